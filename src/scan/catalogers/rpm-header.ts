/**
 * A pure parser for rpm package headers as rpmdb stores them (the header blob without
 * its magic: index count, data length, 16-byte index entries, data store). Written by
 * hand because no maintained npm package reads rpm headers; every offset is checked
 * against the blob before it is used.
 */
import { AirlockError } from '../../common/errors.ts';

export const TAG = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  VENDOR: 1011,
  LICENSE: 1014,
  ARCH: 1022,
  SOURCERPM: 1044,
  MODULARITYLABEL: 5096,
  OLDFILENAMES: 1027,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
} as const;

const FILE_TAGS = new Set<number>([TAG.OLDFILENAMES, TAG.DIRINDEXES, TAG.BASENAMES, TAG.DIRNAMES]);

const TYPE_INT32 = 4;
const TYPE_STRING = 6;
const TYPE_STRING_ARRAY = 8;
const TYPE_I18NSTRING = 9;

const MAX_INDEX = 1_000_000;

export interface RpmHeader {
  name: string;
  version: string;
  release: string;
  epoch?: number;
  arch?: string;
  sourceRpm?: string;
  vendor?: string;
  license?: string;
  modularityLabel?: string;
  /** Installed file paths (absolute), when asked for. */
  files?: string[];
}

export function parseRpmHeader(blob: Uint8Array, source: string, withFiles = false): RpmHeader {
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  const bad = (why: string): never => {
    throw new AirlockError('BAD_INPUT', `${source}: malformed rpm header: ${why}`);
  };
  if (buf.length < 8) bad('shorter than 8 bytes');
  const il = buf.readUInt32BE(0);
  const dl = buf.readUInt32BE(4);
  if (il > MAX_INDEX) bad(`${il} index entries`);
  const dataStart = 8 + il * 16;
  if (dataStart + dl > buf.length) bad(`index (${il} entries) and data (${dl} bytes) exceed the blob of ${buf.length} bytes`);
  const data = buf.subarray(dataStart, dataStart + dl);
  const wanted = new Set<number>(Object.values(TAG).filter((t) => withFiles || !FILE_TAGS.has(t)));
  const strings = new Map<number, string>();
  const arrays = new Map<number, string[]>();
  let dirIndexes: number[] | undefined;
  let epoch: number | undefined;
  for (let i = 0; i < il; i++) {
    const at = 8 + i * 16;
    const tag = buf.readInt32BE(at);
    if (!wanted.has(tag)) continue;
    const type = buf.readInt32BE(at + 4);
    const offset = buf.readInt32BE(at + 8);
    const count = buf.readInt32BE(at + 12);
    if (offset < 0 || offset >= data.length || count < 0) bad(`tag ${tag}: offset ${offset} outside the data of ${data.length} bytes`);
    if (type === TYPE_INT32) {
      if (count < 1 || offset + 4 * count > data.length) bad(`tag ${tag}: int32 array outside the data`);
      if (tag === TAG.EPOCH) epoch = data.readInt32BE(offset);
      if (tag === TAG.DIRINDEXES) dirIndexes = Array.from({ length: count }, (_, k) => data.readInt32BE(offset + 4 * k));
    } else if (type === TYPE_STRING_ARRAY && FILE_TAGS.has(tag)) {
      const list: string[] = [];
      let at = offset;
      for (let k = 0; k < count; k++) {
        const end = data.indexOf(0, at);
        if (end < 0) bad(`tag ${tag}: string ${k} not terminated`);
        list.push(data.toString('utf8', at, end));
        at = end + 1;
      }
      arrays.set(tag, list);
    } else if (type === TYPE_STRING || type === TYPE_I18NSTRING || type === TYPE_STRING_ARRAY) {
      const end = data.indexOf(0, offset);
      if (end < 0) bad(`tag ${tag}: string not terminated`);
      strings.set(tag, data.toString('utf8', offset, end));
    }
  }
  const name = strings.get(TAG.NAME);
  const version = strings.get(TAG.VERSION);
  const release = strings.get(TAG.RELEASE);
  if (!name || version === undefined || release === undefined) bad('no name, version or release');
  const opt = (k: keyof RpmHeader, tag: number): Partial<RpmHeader> => (strings.has(tag) && strings.get(tag) !== '(none)' ? { [k]: strings.get(tag) } : {});
  let files: string[] | undefined;
  if (withFiles) {
    const base = arrays.get(TAG.BASENAMES);
    const dirs = arrays.get(TAG.DIRNAMES);
    if (base && dirs && dirIndexes && dirIndexes.length === base.length) {
      files = base.map((b, k) => {
        const d = dirs[dirIndexes![k]!];
        if (d === undefined) bad(`file ${k}: directory index ${dirIndexes![k]} out of range`);
        return `${d}${b}`;
      });
    } else files = arrays.get(TAG.OLDFILENAMES) ?? [];
  }
  return {
    name: name!,
    version: version!,
    release: release!,
    ...(epoch !== undefined ? { epoch } : {}),
    ...opt('arch', TAG.ARCH),
    ...opt('sourceRpm', TAG.SOURCERPM),
    ...opt('vendor', TAG.VENDOR),
    ...opt('license', TAG.LICENSE),
    ...opt('modularityLabel', TAG.MODULARITYLABEL),
    ...(files ? { files } : {}),
  };
}

/** "openssl-3.0.7-1.cm2.src.rpm" -> name, version, release; undefined when it does not split. */
export function splitSourceRpm(s: string): { name: string; version: string; release: string } | undefined {
  const base = s.replace(/\.(?:no)?src\.rpm$/, '');
  const r = base.lastIndexOf('-');
  if (r <= 0) return undefined;
  const v = base.lastIndexOf('-', r - 1);
  if (v <= 0) return undefined;
  return { name: base.slice(0, v), version: base.slice(v + 1, r), release: base.slice(r + 1) };
}
