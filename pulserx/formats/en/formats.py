"""English dates written out in words, day before month ("Saturday, 5 December 2026"), as
PulseRx has always written them: unambiguous to readers on both sides of the Atlantic,
where Django's English ("Dec. 5, 2026") abbreviates the month."""

DATE_FORMAT = "j F Y"
MONTH_DAY_FORMAT = "j F"
