# The DICOM side: C-FIND, worklists, C-STORE filter, received-instance callback, C-MOVE.
import json

import orthanc


def OnFind(answers, query, issuer_aet, called_aet):
    tags = {}
    for i in range(query.GetFindQuerySize()):
        tags[query.GetFindQueryTagName(i)] = query.GetFindQueryValue(i)
        tags['%04x,%04x' % (query.GetFindQueryTagGroup(i), query.GetFindQueryTagElement(i))] = query.GetFindQueryValue(i)
    print('stdout: find from %s to %s: %s' % (issuer_aet, called_aet, json.dumps(tags, sort_keys=True)))
    for n in range(2):
        answers.FindAddAnswer(orthanc.CreateDicom(json.dumps({
            'PatientID': 'FIND%d' % n, 'PatientName': 'ANSWER^%d' % n, 'StudyInstanceUID': '1.2.3.%d' % n,
            'QueryRetrieveLevel': 'STUDY'}), None, orthanc.CreateDicomFlags.NONE))


def OnWorklist(answers, query, issuer_aet, called_aet):
    dicom_query = json.loads(orthanc.DicomBufferToJson(query.WorklistGetDicomQuery(), orthanc.DicomToJsonFormat.SHORT,
                                                        orthanc.DicomToJsonFlags.NONE, 0))
    print('stdout: worklist from %s keys %s' % (issuer_aet, sorted(dicom_query)))
    item = orthanc.CreateDicom(json.dumps({'PatientID': 'WL1', 'PatientName': 'WORK^LIST',
                                           'AccessionNumber': 'ACC1'}), None, orthanc.CreateDicomFlags.NONE)
    if query.WorklistIsMatch(item):
        answers.WorklistAddAnswer(query, item)
    answers.WorklistMarkIncomplete()


def OnCStoreFilter(dicom):
    tags = json.loads(dicom.GetInstanceSimplifiedJson())
    print('stdout: cstore filter %s from %s' % (tags['PatientID'], dicom.GetInstanceRemoteAet()))
    return 0 if tags['PatientID'] != 'REFUSED' else 0xA700


def OnReceived(data, origin):
    print('stdout: received %d bytes origin=%s' % (len(data), origin))
    return orthanc.ReceivedInstanceAction.KEEP_AS_IS, None


def OnMove(**request):
    print('stdout: move %s' % json.dumps({k: v for k, v in sorted(request.items()) if k != 'OriginatorID'}))


orthanc.RegisterFindCallback(OnFind)
orthanc.RegisterWorklistCallback(OnWorklist)
orthanc.RegisterIncomingCStoreInstanceFilter(OnCStoreFilter)
orthanc.RegisterReceivedInstanceCallback(OnReceived)
orthanc.RegisterMoveCallback(OnMove)
