import { OVERLOAD_CONFIG_DEFAULTS, type OverloadConfig } from '../config/overload-config.js';
import { OVERLOAD_LEVEL_VALUE, OverloadControl, SHED_REASONS, type OverloadLevel } from '../edge/overload/overload-control.js';
import type { ReceiveQueueOptions } from '../sip/transport/transport-layer.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { MetricsRegistry } from '../util/metrics.js';

/**
 * Overload control wired for one server: the control itself (reading sip.overload at
 * every tick, so SIGHUP applies), the transport's receive-queue hooks, the transaction
 * cap hook and the /metrics series. `stop()` ends its timer.
 */
export function overloadParts(opts: { clock: Clock; logger: Logger; registry: MetricsRegistry; settings: () => OverloadConfig | undefined; queuedDatagrams: () => number; onLevel?: (level: OverloadLevel) => void }): {
  control: OverloadControl;
  receiveQueue: ReceiveQueueOptions;
  maxServerTransactions: number;
  onServerCap: () => void;
  /** After a SIGHUP: a level the new settings change at once (shedDelayMs 0, enabled) is reported now (onLevel), not at the next tick. */
  settingsChanged: () => void;
  stop: () => void;
} {
  const settings = () => opts.settings() ?? OVERLOAD_CONFIG_DEFAULTS;
  const shedTotal = opts.registry.counter(
    'pbx_sip_shed_total',
    'SIP work shed for overload, by reason: admission (503 to a new request without credentials), severe (503 to any new request), dropped (new request not answered), queue_full (datagram dropped unread), transactions (503 at the server-transaction cap).',
    ['reason'],
  );
  const stateGauge = opts.registry.gauge('pbx_sip_overload_state', 'Overload state of the SIP thread: 0 normal, 1 shedding (a share of new requests without credentials gets 503), 2 severe (every new request gets 503), 3 dropping.');
  const shareGauge = opts.registry.gauge('pbx_sip_overload_admitted_share', 'Share (0..1) of new requests without credentials admitted by overload control.');
  const lagGauge = opts.registry.gauge('pbx_sip_lag_ms', 'Lag of the SIP thread at the last overload tick: the oldest unhandled UDP datagram or the lateness of a timer, in ms.');
  const queueGauge = opts.registry.gauge('pbx_sip_receive_queue_depth', 'UDP datagrams read and waiting to be handled.');
  for (const reason of SHED_REASONS) shedTotal.inc({ reason }, 0);
  // The gauges are written at every tick (10 times a second): /metrics renders this
  // registry as it stands, without running collectors.
  let level = 'normal';
  const gauges = (): void => {
    const now = control.level();
    if (now !== level) {
      // The operator's view of the transitions (one line each, not one per request).
      (now === 'normal' ? opts.logger.info : opts.logger.warn).call(opts.logger, `sip overload: ${level} -> ${now}`, { lagMs: control.lagMs(), admittedShare: Number(control.admittedShare().toFixed(3)) });
      level = now;
    }
    stateGauge.set(undefined, OVERLOAD_LEVEL_VALUE[now]);
    shareGauge.set(undefined, control.admittedShare());
    lagGauge.set(undefined, control.lagMs());
    queueGauge.set(undefined, opts.queuedDatagrams());
    opts.onLevel?.(now);
  };
  const control = new OverloadControl({ clock: opts.clock, lagNow: () => performance.now(), settings, onShed: (reason) => shedTotal.inc({ reason }), onTick: gauges });
  gauges();
  control.start();
  return {
    control,
    receiveQueue: {
      // Fixed at start (the queue is allocated once); the thresholds change on SIGHUP.
      maxMessages: settings().maxQueuedMessages,
      onDelay: (delayMs) => control.observeDelay(delayMs),
      onFull: () => control.count('queue_full'),
    },
    maxServerTransactions: settings().maxServerTransactions,
    onServerCap: () => control.count('transactions'),
    // The SIP front threads read the level through onLevel: until the next tick (100 ms)
    // they would otherwise challenge REGISTERs the main thread now sheds, and the answer
    // with credentials is served even while shedding (overload-control.ts decide()).
    settingsChanged: gauges,
    stop: () => {
      control.stop();
    },
  };
}
