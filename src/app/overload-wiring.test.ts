import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OVERLOAD_CONFIG_DEFAULTS, type OverloadConfig } from '../config/overload-config.js';
import type { OverloadLevel } from '../edge/overload/overload-control.js';
import { FakeClock } from '../util/fake-clock.js';
import { memoryLogger } from '../util/logger.js';
import { MetricsRegistry } from '../util/metrics.js';
import { overloadParts } from './overload-wiring.js';

test('a SIGHUP that sets shedDelayMs 0 reports the shedding level at once (the SIP front threads read it), not at the next tick; back to the default, normal at once', () => {
  const clock = new FakeClock();
  let settings: OverloadConfig = OVERLOAD_CONFIG_DEFAULTS;
  const levels: OverloadLevel[] = [];
  const parts = overloadParts({ clock, logger: memoryLogger('error'), registry: new MetricsRegistry(), settings: () => settings, queuedDatagrams: () => 0, onLevel: (l) => levels.push(l) });
  try {
    assert.equal(levels, ['normal']);
    settings = { ...OVERLOAD_CONFIG_DEFAULTS, shedDelayMs: 0 };
    parts.settingsChanged();
    assert.is(levels.at(-1), 'shedding', 'no tick has run: the clock has not moved');
    settings = OVERLOAD_CONFIG_DEFAULTS;
    parts.settingsChanged();
    assert.is(levels.at(-1), 'normal');
  } finally {
    parts.stop();
  }
});

test.run();
