# RegisterOnChangeCallback and RegisterOnStoredInstanceCallback, as the Book's examples print them.
import json
import sys

import orthanc


def say(line):
    # One write per line: the change callbacks run on another thread than the stored-instance ones.
    sys.stdout.write(line + '\n')

NAMES = {getattr(orthanc.ChangeType, name): name for name in dir(orthanc.ChangeType) if not name.startswith('_')}


def OnChange(change_type, level, resource):
    if change_type in (orthanc.ChangeType.ORTHANC_STARTED, orthanc.ChangeType.ORTHANC_STOPPED):
        say('stdout: change %s level=%s resource=%r' % (NAMES[change_type], level, resource))
    elif change_type in (orthanc.ChangeType.NEW_INSTANCE, orthanc.ChangeType.NEW_PATIENT):
        say('stdout: change %s level=%s resource=%s' % (NAMES[change_type], level, resource))


def OnStored(dicom, instance_id):
    tags = json.loads(dicom.GetInstanceSimplifiedJson())
    say('stdout: stored %s patient=%s origin=%s aet=%r size=%d frames=%d pixel=%s' % (
        instance_id, tags['PatientID'], dicom.GetInstanceOrigin(), dicom.GetInstanceRemoteAet(),
        dicom.GetInstanceSize(), dicom.GetInstanceFramesCount(), dicom.HasInstancePixelData()))
    say('stdout: stored metadata %r' % dicom.GetInstanceMetadata('ReceptionDate'))


orthanc.RegisterOnChangeCallback(OnChange)
orthanc.RegisterOnStoredInstanceCallback(OnStored)
