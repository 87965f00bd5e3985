"""ICAO Doc 9303 eMRTD support: MRZ, BAC, secure messaging, LDS, PA and AA."""
