/**
 * The protected-document fingerprints of a deployment, kept as JSON at `<data_dir>/fingerprints.json`
 * (mode 0600, replaced atomically). Only winnowed shingle hashes are stored, never document text.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  FINGERPRINT_DEFAULT_K,
  FINGERPRINT_DEFAULT_WINDOW,
  FingerprintSet,
  fingerprintDocument,
} from '@parapet/core';
import { z } from 'zod';

export type { FingerprintSet } from '@parapet/core';

/** File name under the data directory. */
export const FINGERPRINTS_FILE = 'fingerprints.json';

/** The stored file: the shingling parameters the hashes were made with, and the documents. */
export const FingerprintFile = z.object({
  version: z.literal(1),
  k: z.number().int().min(1).max(64),
  window: z.number().int().min(1).max(64),
  documents: z.array(FingerprintSet),
});
export type FingerprintFile = z.infer<typeof FingerprintFile>;

/** Error for an unreadable or invalid fingerprint file; the message names the file, never its content. */
export class FingerprintStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FingerprintStoreError';
  }
}

function emptyFile(): FingerprintFile {
  return { version: 1, k: FINGERPRINT_DEFAULT_K, window: FINGERPRINT_DEFAULT_WINDOW, documents: [] };
}

/** Reads the whole file; a missing file is an empty set. */
export async function readFingerprintFile(dataDir: string): Promise<FingerprintFile> {
  const path = join(dataDir, FINGERPRINTS_FILE);
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyFile();
    throw new FingerprintStoreError(`cannot read \`${path}\``, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new FingerprintStoreError(`\`${path}\` is not valid JSON; restore it or remove it`, {
      cause: error,
    });
  }
  const parsed = FingerprintFile.safeParse(json);
  if (!parsed.success) {
    throw new FingerprintStoreError(`\`${path}\` is not a valid fingerprint file; restore it or remove it`);
  }
  return parsed.data;
}

/** The protected documents' fingerprint sets, for `createFingerprintDetector({ documents })`. */
export async function loadFingerprints(dataDir: string): Promise<FingerprintSet[]> {
  return (await readFingerprintFile(dataDir)).documents;
}

/** Writes the file atomically (temporary file, fsync, rename) with mode 0600. */
export async function writeFingerprintFile(dataDir: string, file: FingerprintFile): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, FINGERPRINTS_FILE);
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(FingerprintFile.parse(file))}\n`, 'utf8');
    await handle.chmod(0o600);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temporary, path);
}

/** A new document id: `fp_` and 12 hex characters. */
export function newFingerprintId(random: (size: number) => Buffer = randomBytes): string {
  return `fp_${random(6).toString('hex')}`;
}

/**
 * Fingerprints `text` with the file's parameters and adds it under `name`; returns the stored set.
 * The text itself is not kept.
 */
export async function addFingerprintDocument(
  dataDir: string,
  document: { name: string; text: string },
): Promise<FingerprintSet> {
  const file = await readFingerprintFile(dataDir);
  const fingerprints = fingerprintDocument(document.text, { k: file.k, window: file.window });
  const set: FingerprintSet = { id: newFingerprintId(), name: document.name, ...fingerprints };
  await writeFingerprintFile(dataDir, { ...file, documents: [...file.documents, set] });
  return set;
}

/** Removes a document by id; false when there was none. */
export async function removeFingerprintDocument(dataDir: string, id: string): Promise<boolean> {
  const file = await readFingerprintFile(dataDir);
  const documents = file.documents.filter((d) => d.id !== id);
  if (documents.length === file.documents.length) return false;
  await writeFingerprintFile(dataDir, { ...file, documents });
  return true;
}
