# Calls every function and method both plugins expose (SDK 1.10.1) with fixed arguments and answers,
# per call, the shape of the result (types, tuple lengths) or the exception raised, and the value
# where it is deterministic. Arguments include None where the SDK takes NULL, wrong types and
# wrong counts.
import json

import orthanc

o = orthanc
NS = {"o": orthanc}

# (label, expression, compare the value too)
CALLS = [
    ("AutodetectMimeType", "o.AutodetectMimeType('a.png')", True),
    ("BufferCompression", "o.BufferCompression(b'hello', o.CompressionType.ZLIB, 0)", False),
    ("BufferCompression-roundtrip", "o.BufferCompression(o.BufferCompression(b'hello', o.CompressionType.ZLIB, 0), o.CompressionType.ZLIB, 1)", True),
    ("CheckVersion", "o.CheckVersion()", True),
    ("CheckVersionAdvanced", "o.CheckVersionAdvanced(1, 5, 0)", True),
    ("ComputeMd5", "o.ComputeMd5(b'abc')", True),
    ("ComputeMd5-str", "o.ComputeMd5('abc')", True),
    ("ComputeSha1", "o.ComputeSha1(b'abc')", True),
    ("ComputeMd5-none", "o.ComputeMd5(None)", True),
    ("ComputeMd5-int", "o.ComputeMd5(1)", True),
    ("ComputeMd5-noarg", "o.ComputeMd5()", True),
    ("ComputeMd5-twoargs", "o.ComputeMd5(b'a', b'b')", True),
    ("CreateDicom", "o.CreateDicom(json.dumps({'PatientID': 'P1', 'SOPClassUID': '1.2.3'}), None, o.CreateDicomFlags.NONE)", False),
    ("CreateDicom-image", "o.CreateDicom(json.dumps({'PatientID': 'P1'}), IMAGE, o.CreateDicomFlags.NONE)", False),
    ("CreateDicom-badjson", "o.CreateDicom('{', None, o.CreateDicomFlags.NONE)", True),
    ("CreateDicomInstance", "o.CreateDicomInstance(DICOM)", False),
    ("CreateDicomInstance-junk", "o.CreateDicomInstance(b'junk')", True),
    ("CreateFindMatcher", "o.CreateFindMatcher(QUERY)", False),
    ("CreateImage", "o.CreateImage(o.PixelFormat.GRAYSCALE8, 4, 3)", False),
    ("CreateImageFromBuffer", "o.CreateImageFromBuffer(o.PixelFormat.GRAYSCALE8, 4, 3, 4, bytes(12))", False),
    ("CreateImageFromBuffer-short", "o.CreateImageFromBuffer(o.PixelFormat.GRAYSCALE8, 4, 3, 4, bytes(5))", False),
    ("CreateMemoryBuffer", "o.CreateMemoryBuffer(3)", False),
    ("CompressPngImage", "o.CompressPngImage(o.PixelFormat.GRAYSCALE8, 2, 2, 2, bytes(4))", False),
    ("CompressJpegImage", "o.CompressJpegImage(o.PixelFormat.GRAYSCALE8, 2, 2, 2, bytes(4), 90)", False),
    ("DecodeDicomImage", "o.DecodeDicomImage(DICOM, 0)", False),
    ("DicomBufferToJson", "o.DicomBufferToJson(DICOM, o.DicomToJsonFormat.SHORT, o.DicomToJsonFlags.NONE, 0)", True),
    ("DicomInstanceToJson", "o.DicomInstanceToJson(INSTANCE_ID, o.DicomToJsonFormat.SHORT, o.DicomToJsonFlags.NONE, 0)", True),
    ("GenerateRestApiAuthorizationToken", "o.GenerateRestApiAuthorizationToken()", False),
    ("GenerateUuid", "o.GenerateUuid()", False),
    ("GetCommandLineArgumentsCount", "o.GetCommandLineArgumentsCount()", True),
    ("GetCommandLineArgument", "o.GetCommandLineArgument(0)", False),
    ("GetCommandLineArgument-outofrange", "o.GetCommandLineArgument(99)", True),
    ("GetConfiguration", "sorted(json.loads(o.GetConfiguration()))[:3]", True),
    ("GetConfigurationPath", "o.GetConfigurationPath()", False),
    ("GetDicomForInstance", "o.GetDicomForInstance(INSTANCE_ID) == DICOM", True),
    ("GetDicomForInstance-missing", "o.GetDicomForInstance('nope')", True),
    ("GetErrorDescription", "o.GetErrorDescription(o.ErrorCode.UNKNOWN_RESOURCE)", True),
    ("GetExpectedDatabaseVersion", "o.GetExpectedDatabaseVersion()", True),
    ("GetFontsCount", "o.GetFontsCount()", True),
    ("GetFontName", "o.GetFontName(0)", True),
    ("GetFontSize", "o.GetFontSize(0)", True),
    ("GetFontName-outofrange", "o.GetFontName(999)", True),
    ("GetGlobalProperty", "o.GetGlobalProperty(1024, 'default')", True),
    ("SetGlobalProperty", "o.SetGlobalProperty(1025, 'value')", True),
    ("GetGlobalProperty-set", "o.GetGlobalProperty(1025, 'default')", True),
    ("GetGlobalProperty-none", "o.GetGlobalProperty(1026, None)", True),
    ("GetOrthancDirectory", "o.GetOrthancDirectory()", False),
    ("GetOrthancPath", "o.GetOrthancPath()", False),
    ("GetPeers", "o.GetPeers()", False),
    ("GetTagName", "o.GetTagName(0x0010, 0x0010, None)", True),
    ("GetTagName-str", "o.GetTagName(0x0010, 0x0010, '')", True),
    ("HttpGet-self", "json.loads(o.HttpGet(URL + '/system', None, None))['Name'] == NAME", True),
    ("HttpGet-404", "o.HttpGet(URL + '/nope', None, None)", True),
    ("HttpPost-self", "o.HttpPost(URL + '/tools/find', json.dumps({'Level': 'Patient', 'Query': {}}), None, None)", True),
    ("HttpPut", "o.HttpPut(URL + '/nope', b'', None, None)", True),
    ("HttpDelete", "o.HttpDelete(URL + '/nope', None, None)", True),
    ("LogInfo", "o.LogInfo('log: info')", True),
    ("LogWarning", "o.LogWarning('log: warning')", True),
    ("LogError", "o.LogError('log: error')", True),
    ("LogWarning-none", "o.LogWarning(None)", True),
    ("LogWarning-int", "o.LogWarning(3)", True),
    ("LookupDictionary", "o.LookupDictionary('PatientID')", True),
    ("LookupDictionary-unknown", "o.LookupDictionary('NoSuchTag')", True),
    ("LookupInstance", "o.LookupInstance(SOP_UID)", True),
    ("LookupInstance-missing", "o.LookupInstance('1.2.3.4')", True),
    ("LookupPatient", "o.LookupPatient('DIFF1')", True),
    ("LookupSeries", "o.LookupSeries(SERIES_UID)", True),
    ("LookupStudy", "o.LookupStudy(STUDY_UID)", True),
    ("LookupStudyWithAccessionNumber", "o.LookupStudyWithAccessionNumber('nope')", True),
    ("ReadFile", "o.ReadFile(PATH)", True),
    ("ReadFile-missing", "o.ReadFile(PATH + '.missing')", True),
    ("WriteFile", "o.WriteFile(PATH + '.out', b'written')", True),
    ("RegisterDictionaryTag", "o.RegisterDictionaryTag(0x0009, 0x0001, o.ValueRepresentation.LO, 'DiffTag', 1, 1)", True),
    ("RegisterPrivateDictionaryTag", "o.RegisterPrivateDictionaryTag(0x0011, 0x0001, o.ValueRepresentation.LO, 'DiffPrivate', 1, 1, 'DIFF')", True),
    ("RegisterErrorCode", "o.RegisterErrorCode(5, 400, 'diff error')", False),
    ("RestApiGet", "sorted(json.loads(o.RestApiGet('/system')))[:4]", True),
    ("RestApiGet-missing", "o.RestApiGet('/nope')", True),
    ("RestApiGet-none", "o.RestApiGet(None)", True),
    ("RestApiGetAfterPlugins", "json.loads(o.RestApiGetAfterPlugins('/patients'))", True),
    ("RestApiPost", "o.RestApiPost('/tools/lookup', 'DIFF1')", True),
    ("RestApiPost-bad", "o.RestApiPost('/tools/find', '{')", True),
    ("RestApiPostAfterPlugins", "o.RestApiPostAfterPlugins('/tools/lookup', b'DIFF1')", True),
    ("RestApiPut", "o.RestApiPut('/nope', b'')", True),
    ("RestApiPutAfterPlugins", "o.RestApiPutAfterPlugins('/nope', b'')", True),
    ("RestApiDelete", "o.RestApiDelete('/nope')", True),
    ("RestApiDeleteAfterPlugins", "o.RestApiDeleteAfterPlugins('/nope')", True),
    ("SetDescription", "o.SetDescription('diff')", True),
    ("SetMetricsValue", "o.SetMetricsValue('diff_metric', 1.5, o.MetricsType.DEFAULT)", True),
    ("SetRootUri", "o.SetRootUri('/diff/ui')", True),
    ("ExtendOrthancExplorer", "o.ExtendOrthancExplorer('// diff')", True),
    ("TranscodeDicomInstance", "o.TranscodeDicomInstance(DICOM_INSTANCE, '1.2.840.10008.1.2')", False),
    ("UncompressImage", "o.UncompressImage(PNG, o.ImageFormat.PNG)", False),
    ("UncompressImage-junk", "o.UncompressImage(b'junk', o.ImageFormat.PNG)", True),
    ("GetCommandLineArgument-neg", "o.GetCommandLineArgument(-1)", True),
    ("CreateImage-big", "o.CreateImage(o.PixelFormat.GRAYSCALE8, 2**40, 1)", True),
    ("CreateImage-float", "o.CreateImage(o.PixelFormat.GRAYSCALE8, 1.5, 1)", True),
    ("CreateImage-kw", "o.CreateImage(format=o.PixelFormat.GRAYSCALE8, width=1, height=1)", True),
    # Methods
    ("Image.GetImageWidth", "IMAGE.GetImageWidth()", True),
    ("Image.GetImageHeight", "IMAGE.GetImageHeight()", True),
    ("Image.GetImagePitch", "IMAGE.GetImagePitch()", True),
    ("Image.GetImagePixelFormat", "IMAGE.GetImagePixelFormat()", True),
    ("Image.GetImageBuffer", "IMAGE.GetImageBuffer()", False),
    ("Image.ConvertPixelFormat", "IMAGE.ConvertPixelFormat(o.PixelFormat.RGB24).GetImagePixelFormat()", True),
    ("Image.DrawText", "IMAGE.DrawText(0, 'x', 0, 0, 255, 255, 255)", True),
    ("Image.DrawText-badfont", "IMAGE.DrawText(999, 'x', 0, 0, 255, 255, 255)", True),
    ("DicomInstance.GetInstanceSize", "DICOM_INSTANCE.GetInstanceSize() == len(DICOM)", True),
    ("DicomInstance.GetInstanceData", "DICOM_INSTANCE.GetInstanceData() == DICOM", True),
    ("DicomInstance.GetInstanceFramesCount", "DICOM_INSTANCE.GetInstanceFramesCount()", True),
    ("DicomInstance.GetInstanceRawFrame", "DICOM_INSTANCE.GetInstanceRawFrame(0)", False),
    ("DicomInstance.GetInstanceRawFrame-oob", "DICOM_INSTANCE.GetInstanceRawFrame(5)", True),
    ("DicomInstance.GetInstanceDecodedFrame", "DICOM_INSTANCE.GetInstanceDecodedFrame(0).GetImageWidth()", True),
    ("DicomInstance.GetInstanceJson", "json.loads(DICOM_INSTANCE.GetInstanceJson())['0010,0020']", True),
    ("DicomInstance.GetInstanceSimplifiedJson", "json.loads(DICOM_INSTANCE.GetInstanceSimplifiedJson())['PatientID']", True),
    ("DicomInstance.GetInstanceAdvancedJson", "json.loads(DICOM_INSTANCE.GetInstanceAdvancedJson(o.DicomToJsonFormat.SHORT, o.DicomToJsonFlags.NONE, 0))['0010,0020']", True),
    ("DicomInstance.GetInstanceMetadata", "DICOM_INSTANCE.GetInstanceMetadata('Origin')", True),
    ("DicomInstance.HasInstanceMetadata", "DICOM_INSTANCE.HasInstanceMetadata('Origin')", True),
    ("DicomInstance.HasInstancePixelData", "DICOM_INSTANCE.HasInstancePixelData()", True),
    ("DicomInstance.GetInstanceOrigin", "DICOM_INSTANCE.GetInstanceOrigin()", True),
    ("DicomInstance.GetInstanceRemoteAet", "DICOM_INSTANCE.GetInstanceRemoteAet()", True),
    ("DicomInstance.GetInstanceTransferSyntaxUid", "DICOM_INSTANCE.GetInstanceTransferSyntaxUid()", True),
    ("DicomInstance.SerializeDicomInstance", "DICOM_INSTANCE.SerializeDicomInstance() == DICOM", True),
    ("FindMatcher.FindMatcherIsMatch", "MATCHER.FindMatcherIsMatch(DICOM)", True),
    ("FindMatcher.FindMatcherIsMatch-junk", "MATCHER.FindMatcherIsMatch(b'junk')", True),
    ("Peers.GetPeersCount", "o.GetPeers().GetPeersCount()", True),
    ("Peers.GetPeerName", "o.GetPeers().GetPeerName(0)", True),
    ("Peers.GetPeerUrl", "o.GetPeers().GetPeerUrl(0)", True),
    ("Peers.GetPeerUserProperty", "o.GetPeers().GetPeerUserProperty(0, 'Nope')", True),
    ("Peers.GetPeerName-oob", "o.GetPeers().GetPeerName(7)", True),
    ("OrthancException-args", "repr(o.OrthancException('x').args)", True),
    ("ErrorCode", "o.ErrorCode.UNKNOWN_RESOURCE", True),
]


def shape(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return type(value).__name__
    if isinstance(value, bytes):
        return "bytes"
    if isinstance(value, (tuple, list)):
        return [type(value).__name__, [shape(item) for item in value]]
    if isinstance(value, dict):
        return ["dict", sorted((key, shape(item)) for key, item in value.items())]
    return type(value).__name__


def run_call(expression, exact):
    try:
        value = eval(expression, NS)
    except Exception as error:
        code = error.args[0] if isinstance(error, orthanc.OrthancException) and error.args else None
        return {"raises": type(error).__name__, "code": code}
    answer = {"shape": shape(value)}
    if exact:
        answer["value"] = value if not isinstance(value, bytes) else repr(value[:64])
    return answer


def prepare(uri):
    token = {"PatientID": "DIFF1"}
    NS["json"] = json
    system = json.loads(orthanc.RestApiGet("/system"))
    NS["NAME"] = system["Name"]
    NS["URL"] = "http://127.0.0.1:%d" % json.loads(orthanc.GetConfiguration())["HttpPort"]
    NS["IMAGE"] = orthanc.CreateImage(orthanc.PixelFormat.GRAYSCALE8, 4, 3)
    NS["PNG"] = orthanc.CompressPngImage(orthanc.PixelFormat.GRAYSCALE8, 2, 2, 2, bytes(4))
    dicom = orthanc.CreateDicom(json.dumps({"PatientID": "DIFF1", "PatientName": "DIFF", "StudyInstanceUID": "1.2.3.1",
                                            "SeriesInstanceUID": "1.2.3.1.1", "SOPInstanceUID": "1.2.3.1.1.1",
                                            "SOPClassUID": "1.2.840.10008.5.1.4.1.1.7"}),
                                NS["IMAGE"], orthanc.CreateDicomFlags.NONE)
    stored = json.loads(orthanc.RestApiPost("/instances", dicom))
    NS["INSTANCE_ID"] = stored["ID"]
    NS["DICOM"] = orthanc.GetDicomForInstance(stored["ID"])
    NS["DICOM_INSTANCE"] = orthanc.CreateDicomInstance(NS["DICOM"])
    NS["SOP_UID"], NS["SERIES_UID"], NS["STUDY_UID"] = "1.2.3.1.1.1", "1.2.3.1.1", "1.2.3.1"
    NS["QUERY"] = orthanc.CreateDicom(json.dumps(token), None, orthanc.CreateDicomFlags.NONE)
    NS["MATCHER"] = orthanc.CreateFindMatcher(NS["QUERY"])
    NS["PATH"] = uri
    with open(uri, "wb") as f:
        f.write(b"file content")


def OnShapes(output, uri, **request):
    prepare(request["get"]["path"])
    answers = {label: run_call(expression, exact) for label, expression, exact in CALLS}
    output.AnswerBuffer(json.dumps(answers, sort_keys=True, default=repr), "application/json")


orthanc.RegisterRestCallback("/diff/shapes", OnShapes)
