"""The enterprise's side of affiliations: confirming, rejecting and ending workers; the roster."""
