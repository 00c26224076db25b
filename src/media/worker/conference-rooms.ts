/**
 * The conference rooms of one media worker: a room is created by its first join and closed
 * when its last participant leaves; every room ticks on the worker's one frame pacer. The
 * commands (protocol.ts confJoin, confLeave, confMute, confList) are checked here: every
 * field comes from the main thread, but a worker never trusts a message's shape.
 */
import { MediaError } from '../media-error.js';
import type { CommandOf, LegCodec } from '../protocol.js';
import type { PromptSource } from '../prompt-source.js';
import { ConferenceRoom, type ConferenceRoomFiles, type RoomParticipantInfo } from './conference-room.js';
import type { FramePacer } from './frame-pacer.js';
import type { PlayRtpStream } from './play-rtp-stream.js';
import type { RelayLeg } from './relay-leg.js';

const MAX_ROOM_ID = 256;
const MAX_FILES = 100;

export class ConferenceRooms {
  private readonly rooms = new Map<string, ConferenceRoom>();
  /** The room each session is in. */
  private readonly roomOf = new Map<string, ConferenceRoom>();

  constructor(
    private readonly pacer: FramePacer,
    private readonly now: () => number,
    private readonly open?: (path: string) => PromptSource,
  ) {}

  get count(): number {
    return this.rooms.size;
  }

  inRoom(session: string): boolean {
    return this.roomOf.has(session);
  }

  join(cmd: CommandOf<'confJoin'>, leg: RelayLeg, stream: PlayRtpStream): null {
    const id = cmd.room;
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ROOM_ID) throw new MediaError('bad-request', 'bad room id');
    if (this.roomOf.has(cmd.session)) throw new MediaError('bad-request', `session ${cmd.session} is already in a room`);
    const codec = checkCodec(cmd.codec);
    const files = checkFiles(cmd.files);
    let room = this.rooms.get(id);
    const created = !room;
    room ??= new ConferenceRoom({ id, files, now: this.now, ...(this.open ? { open: this.open } : {}) });
    try {
      room.join(cmd.session, leg, codec, stream, cmd.muted === true);
    } catch (err) {
      throw new MediaError('bad-request', err instanceof Error ? err.message : String(err));
    }
    this.roomOf.set(cmd.session, room);
    if (created) {
      this.rooms.set(id, room);
      this.pacer.add(room);
    }
    return null;
  }

  /** The session leaves its room (if in one); the room closes when empty. */
  leave(session: string): boolean {
    const room = this.roomOf.get(session);
    if (!room) return false;
    this.roomOf.delete(session);
    room.leave(session);
    if (room.size === 0) {
      this.rooms.delete(room.id);
      this.pacer.remove(room);
    }
    return true;
  }

  mute(session: string, muted: boolean): null {
    const room = this.roomOf.get(session);
    if (!room) throw new MediaError('bad-request', `session ${String(session)} is in no room`);
    room.setMuted(session, muted === true);
    return null;
  }

  list(room: string): RoomParticipantInfo[] {
    return this.rooms.get(room)?.participants() ?? [];
  }

  /** For tests. */
  room(id: string): ConferenceRoom | undefined {
    return this.rooms.get(id);
  }

  clear(): void {
    for (const r of this.rooms.values()) this.pacer.remove(r);
    this.rooms.clear();
    this.roomOf.clear();
  }
}

function checkCodec(c: unknown): LegCodec {
  const x = c as LegCodec;
  if (!x || typeof x !== 'object' || !Number.isInteger(x.payloadType) || x.payloadType < 0 || x.payloadType > 127 || typeof x.name !== 'string' || !Number.isInteger(x.clockRate)) {
    throw new MediaError('bad-request', 'bad conference codec');
  }
  return { ...x };
}

function checkFiles(f: unknown): ConferenceRoomFiles {
  const x = (f ?? {}) as Record<string, unknown>;
  const list = (v: unknown): string[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.length > MAX_FILES || !v.every((p) => typeof p === 'string' && p.length > 0 && p.length < 4096)) throw new MediaError('bad-request', 'bad conference files');
    return [...(v as string[])];
  };
  return { moh: list(x.moh), join: list(x.join), leave: list(x.leave) };
}
