import { replayDays } from '../support/risk-day-targets.js';

// Issue 12's targets on days 4 to 7 and 30: the bounds, the open findings and the assertions are in
// test/support/risk-day-targets.ts; the days are split over three files so CI's workers share them
// (day 30 here: this file was the lightest of the three in test/durations.json of eaf9e3a, 74.1 s
// against 82 and 74.3).
replayDays(['4', '5', '6', '7', '30', '31', '32', '33', '34', '35']);
