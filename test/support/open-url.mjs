// The browser command the kubectl plugin runs in tests (STEPGATE_BROWSER): hands the URL to the
// test process, which drives headless Chromium to it.
const target = process.env.STEPGATE_TEST_OPENER;
if (!target) process.exit(2);
await fetch(target, { method: 'POST', body: process.argv[2] ?? '' });
