import type { Clock } from '../../util/clock.js';
import { silentLogger, type Logger } from '../../util/logger.js';
import { getHeader, tagOf } from '../message/headers.js';
import type { SipRequest } from '../message/types.js';
import type { Inbound, MessageSender, Target } from '../transport/types.js';
import { InviteClientTransaction } from './invite-client-transaction.js';
import { InviteServerTransaction } from './invite-server-transaction.js';
import { NonInviteClientTransaction } from './non-invite-client-transaction.js';
import { NonInviteServerTransaction } from './non-invite-server-transaction.js';
import { detachString } from './detach.js';
import { ExpiryQueue } from './expiry-queue.js';
import { timerTable, type TimerConfig } from './timers.js';
import type { TransactionContext } from './transaction-context.js';
import { clientKeyOfRequest, clientKeyOfResponse, hasRfc3261Branch, rfc2543AckKey, serverKey } from './transaction-key.js';
import type { ClientTransaction, ClientTransactionUser, ServerTransaction } from './types.js';
import { sipError } from '../message/reason-phrases.js';

export interface TransactionLayerOptions {
  sender: MessageSender;
  clock: Clock;
  /** T1, T2, T4 in ms; RFC 3261 defaults 500/4000/5000. */
  timers?: Partial<TimerConfig>;
  logger?: Logger;
  /** Bound on live server transactions; beyond it createServerTransaction throws a 503 SipError. Default 500 000. */
  maxServerTransactions?: number;
  /** Bound on live client transactions; beyond it sendRequest throws a 503 SipError. Default 100 000. */
  maxClientTransactions?: number;
  /** Told each time a request is refused because maxServerTransactions is reached (overload metrics). */
  onServerCap?: () => void;
}

/** What became of an inbound request. */
export type RequestMatch =
  /** A retransmission handled by an existing server transaction (it re-sent its last response where the rules say so), or an ACK for a non-2xx absorbed by its INVITE transaction. */
  | { kind: 'absorbed' }
  /** An ACK for a 2xx, or a stray ACK: for the TU / dialog layer. `transaction` is the INVITE server transaction in Accepted when the ACK matched one. */
  | { kind: 'ack'; transaction?: ServerTransaction }
  /** No transaction matched: the TU decides, and may answer statelessly without creating one. */
  | { kind: 'new' };

type ServerTx = InviteServerTransaction | NonInviteServerTransaction;
type ClientTx = InviteClientTransaction | NonInviteClientTransaction;

const ABSORBED: RequestMatch = Object.freeze({ kind: 'absorbed' });
const NEW: RequestMatch = Object.freeze({ kind: 'new' });
const STRAY_ACK: RequestMatch = Object.freeze({ kind: 'ack' });

/**
 * The RFC 3261 §17 transaction layer: matches inbound requests and responses to
 * transactions (§17.1.3, §17.2.3), creates them, and owns their timers. It knows
 * nothing of dialogs or tenants; everything it returns is for the TU to act on.
 */
export class TransactionLayer {
  private readonly ctx: TransactionContext;
  private readonly servers = new Map<string, ServerTx>();
  /** RFC 2543 INVITE server transactions by rfc2543AckKey(), to find them from an ACK. */
  private readonly ack2543 = new Map<string, InviteServerTransaction>();
  private readonly clients = new Map<string, ClientTx>();
  private readonly maxServers: number;
  private readonly maxClients: number;
  private readonly onServerCap: (() => void) | undefined;
  // matchRequest() and createServerTransaction() are called back to back for the same
  // request; the key is computed once.
  private memoReq: SipRequest | undefined;
  private memoKey = '';

  constructor(opts: TransactionLayerOptions) {
    const timers = timerTable(opts.timers);
    this.ctx = {
      sender: opts.sender,
      clock: opts.clock,
      timers,
      logger: (opts.logger ?? silentLogger).child('transaction'),
      timerJ: new ExpiryQueue<NonInviteServerTransaction>(opts.clock, timers.J(false), (tx) => tx.onTimerJ()),
      tuDeadline: new ExpiryQueue<NonInviteServerTransaction>(opts.clock, timers.F, (tx) => tx.onTuDeadline()),
    };
    this.maxServers = opts.maxServerTransactions ?? 500_000;
    this.maxClients = opts.maxClientTransactions ?? 100_000;
    this.onServerCap = opts.onServerCap;
  }

  /** Match an inbound request to a server transaction (§17.2.3). Never throws for a parsed request. */
  matchRequest(inbound: Inbound): RequestMatch {
    const req = inbound.message;
    if (req.kind !== 'request') throw new TypeError('matchRequest takes a request');
    let key: string;
    try {
      key = this.keyOf(req);
    } catch (e) {
      // Unreachable for messages that passed the parser, which checks Via and CSeq.
      this.ctx.logger.debug('request without transaction key', { error: e });
      return req.method === 'ACK' ? STRAY_ACK : NEW;
    }
    if (req.method === 'ACK') return this.matchAck(req, key);
    const tx = this.servers.get(key);
    if (!tx) return NEW;
    tx.receiveRetransmission();
    return ABSORBED;
  }

  /**
   * Create the server transaction for a request that matchRequest() reported as new.
   * `responseTarget` is where responses go (§18.2.2, chosen by the caller). Not for ACK.
   * Throws a 503 SipError when the bound on server transactions is reached.
   */
  createServerTransaction(inbound: Inbound, responseTarget: Target): ServerTransaction {
    const req = inbound.message;
    if (req.kind !== 'request') throw new TypeError('createServerTransaction takes a request');
    if (req.method === 'ACK') throw new TypeError('an ACK never creates a server transaction (RFC 3261 §17)');
    // The key lives as long as the transaction: detach it from the request's text.
    const key = detachString(this.keyOf(req));
    this.memoReq = undefined;
    if (this.servers.has(key)) throw new Error(`server transaction ${JSON.stringify(key)} already exists`);
    if (this.servers.size >= this.maxServers) {
      this.onServerCap?.();
      throw sipError(503, { detail: 'too many server transactions', headers: [['Retry-After', '5']] });
    }
    let tx: ServerTx;
    if (req.method === 'INVITE') {
      const ackKey = hasRfc3261Branch(req) ? undefined : detachString(rfc2543AckKey(req));
      const ist = new InviteServerTransaction(this.ctx, key, req, responseTarget, (t) => {
        if (this.servers.get(t.id) === t) this.servers.delete(t.id);
        if (ackKey !== undefined && this.ack2543.get(ackKey) === t) this.ack2543.delete(ackKey);
      });
      if (ackKey !== undefined) this.ack2543.set(ackKey, ist);
      tx = ist;
    } else {
      tx = new NonInviteServerTransaction(this.ctx, key, req, responseTarget, this.releaseServer);
    }
    this.servers.set(key, tx);
    return tx;
  }

  /**
   * The INVITE server transaction a CANCEL refers to (RFC 3261 §9.2): the one the CANCEL
   * would match by §17.2.3 if its method were INVITE.
   */
  findInviteServerTransaction(cancel: SipRequest): ServerTransaction | undefined {
    let key: string;
    try {
      key = serverKey(cancel, 'INVITE');
    } catch {
      return undefined;
    }
    const tx = this.servers.get(key);
    return tx && tx.isInvite ? tx : undefined;
  }

  /**
   * Pass an inbound response to its client transaction (§17.1.3). False when none
   * matches: a stray response, which the caller drops (§18.1.2).
   */
  receiveResponse(inbound: Inbound): boolean {
    const res = inbound.message;
    if (res.kind !== 'response') return false;
    let key: string | undefined;
    try {
      key = clientKeyOfResponse(res);
    } catch {
      return false;
    }
    const tx = key === undefined ? undefined : this.clients.get(key);
    if (!tx) return false;
    tx.receiveResponse(res);
    return true;
  }

  /**
   * Start a client transaction: the request goes to the transport now. The request must
   * already carry its top Via with a fresh RFC 3261 branch (util/ids newBranch). Not for
   * ACK (an ACK for a 2xx is sent by the TU directly). Throws a 503 SipError when the
   * bound on client transactions is reached.
   */
  sendRequest(req: SipRequest, target: Target, user: ClientTransactionUser): ClientTransaction {
    if (req.method === 'ACK') throw new TypeError('an ACK is not sent in a client transaction (RFC 3261 §17.1.1.3, §13.2.2.4)');
    const key = clientKeyOfRequest(req);
    if (this.clients.has(key)) throw new Error(`client transaction ${JSON.stringify(key)} already exists (reused branch?)`);
    if (this.clients.size >= this.maxClients) throw sipError(503, { detail: 'too many client transactions' });
    const tx =
      req.method === 'INVITE'
        ? new InviteClientTransaction(this.ctx, key, req, target, user, this.releaseClient)
        : new NonInviteClientTransaction(this.ctx, key, req, target, user, this.releaseClient);
    this.clients.set(key, tx);
    tx.start();
    return tx;
  }

  stats(): { server: number; client: number } {
    return { server: this.servers.size, client: this.clients.size };
  }

  /** Cancel every timer and drop every transaction, without calling the TU. */
  stop(): void {
    for (const tx of this.servers.values()) tx.dispose();
    for (const tx of this.clients.values()) tx.dispose();
    this.servers.clear();
    this.ack2543.clear();
    this.ctx.timerJ.clear();
    this.ctx.tuDeadline.clear();
    this.clients.clear();
    this.memoReq = undefined;
  }

  private matchAck(ack: SipRequest, key: string): RequestMatch {
    let tx: ServerTx | undefined;
    if (key.charCodeAt(0) === 0x62 /* 'b': an RFC 3261 branch key */) {
      tx = this.servers.get(key);
    } else {
      // §17.2.3 for RFC 2543: the ACK's To tag must be the To tag of the response sent.
      let ackKey: string;
      try {
        ackKey = rfc2543AckKey(ack);
      } catch {
        return STRAY_ACK;
      }
      const ist = this.ack2543.get(ackKey);
      if (ist && ist.finalToTag !== undefined && ist.finalToTag === tagOf(getHeader(ack, 'to'))) tx = ist;
    }
    if (!tx || !(tx instanceof InviteServerTransaction)) return STRAY_ACK;
    return tx.receiveAck(ack) === 'for-tu' ? { kind: 'ack', transaction: tx } : ABSORBED;
  }

  private keyOf(req: SipRequest): string {
    if (this.memoReq === req) return this.memoKey;
    const key = serverKey(req);
    this.memoReq = req;
    this.memoKey = key;
    return key;
  }

  private readonly releaseServer = (tx: ServerTx): void => {
    if (this.servers.get(tx.id) === tx) this.servers.delete(tx.id);
  };

  private readonly releaseClient = (tx: ClientTx): void => {
    if (this.clients.get(tx.id) === tx) this.clients.delete(tx.id);
  };
}
