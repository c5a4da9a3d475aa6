import { replayDays } from '../support/risk-day-targets.js';

// Issue 12's targets on days 1 to 3, 24 to 29 and 36 (and the policy-only comparison on day 1): the bounds, the open findings and the assertions are in
// test/support/risk-day-targets.ts; the days are split over three files so CI's workers share them
// (day 24 here: this file was the lightest of the three in test/durations.json, 61 s against 67 and 75;
// day 25 too, 69.4 s against 83.1 and 75; day 26 too, 60 s against 89.8 and 70.2 in the
// durations.json of 9f85efc; day 28 too, 60.6 s against 82.3 and 77.9 in that of fcd0c1a; day 29 too, 55 s against
// 87.9 and 76.7 in that of fe921d0; day 36 too, 39.3 s against 60.1 and 59.3 in that of 4a817c53).
replayDays(['1', '2', '3', '24', '25', '26', '27', '28', '29', '36']);
