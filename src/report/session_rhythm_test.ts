import { test } from "node:test";
import assert from "node:assert/strict";
import { SessionRhythm } from "./session_rhythm.ts";

const HOUR = 3_600_000;
const END = Date.UTC(2026, 10, 25, 12);

test("sessions are counted per hour across the window and by UTC hour of the day", () => {
  const rhythm = new SessionRhythm(END - 48 * HOUR, END);
  rhythm.add(END - 48 * HOUR + 10); // 12:00 on the first day
  rhythm.add(END - 24 * HOUR + 5); // 12:00 on the second day
  rhythm.add(END - 1); // 11:59 on the last day
  rhythm.add(END); // the window's end goes into the last bin
  const series = rhythm.series();
  assert.equal(series.binHours, 1);
  assert.equal(series.bins.length, 48);
  assert.equal(series.bins[0], 1);
  assert.equal(series.bins[24], 1);
  assert.equal(series.bins[47], 2);
  assert.equal(series.hourOfDay[12], 3, "12:00, 12:00 and the end at 12:00");
  assert.equal(series.hourOfDay[11], 1);
  assert.equal(series.hourOfDay.reduce((a, b) => a + b, 0), 4);
});

test("a five-year window keeps at most 2000 bins of whole hours", () => {
  const rhythm = new SessionRhythm(END - 1826 * 24 * HOUR, END);
  rhythm.add(END - 1826 * 24 * HOUR);
  rhythm.add(END);
  const series = rhythm.series();
  assert.ok(series.bins.length <= 2000, `${series.bins.length} bins`);
  assert.equal(series.binHours, 22);
  assert.equal(series.bins[0] + series.bins.at(-1)!, 2);
});
