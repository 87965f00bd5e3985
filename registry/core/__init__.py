"""The app's foundation, which knows no domain: config, database, crypto, clock, errors, signals, signing."""
