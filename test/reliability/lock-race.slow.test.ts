/** The lock race of issue 13's "done when": a stale lock and 4 processes at once, one holder in 100 of 100 rounds. */
import { lockRace } from './lock-race';

test('stale lock + 4 processes: one holder at a time in 100 of 100 rounds', async () => {
  expect(await lockRace(100)).toEqual({ overlapping: 0 });
}, 300_000);
