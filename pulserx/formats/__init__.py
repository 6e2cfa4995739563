"""PulseRx's own date formats where Django's differ from what its readers are used to
(Django's `FORMAT_MODULE_PATH`); every other format is Django's for the language."""
