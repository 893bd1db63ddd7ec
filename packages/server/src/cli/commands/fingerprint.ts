/**
 * `parapet fingerprint add|list|remove`: register protected documents whose excerpts the fingerprint
 * detector flags. Only hashes are stored (`<data_dir>/fingerprints.json`); content is never printed.
 */
import { open } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import {
  addFingerprintDocument,
  readFingerprintFile,
  removeFingerprintDocument,
} from '../../fingerprints/fingerprint-store.ts';
import { defineCommand, EXIT } from '../command.ts';
import type { PositionalSpec } from '../options.ts';
import { UsageError } from '../options.ts';
import { CONFIG_OPTIONS, loadCommandConfig } from '../shared-options.ts';

/** Largest file `fingerprint add` reads. */
export const FINGERPRINT_MAX_FILE_BYTES = 10 * 1024 * 1024;
/** Files one `fingerprint add` accepts (the option parser has no variadic positionals yet). */
const MAX_FILES = 8;

const FILE_POSITIONALS: readonly PositionalSpec[] = [
  { name: 'file', description: 'Text file to protect', required: true },
  ...Array.from({ length: MAX_FILES - 1 }, () => ({
    name: 'file',
    description: `More files (${MAX_FILES} at most)`,
  })),
];

/** Reads a UTF-8 text file, refusing files over the size limit and binary files. */
async function readTextFile(path: string): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch {
    throw new Error(`cannot read \`${path}\`; check the path and permissions`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new Error(`\`${path}\` is not a regular file`);
    if (stat.size > FINGERPRINT_MAX_FILE_BYTES) {
      throw new Error(
        `\`${path}\` is larger than ${FINGERPRINT_MAX_FILE_BYTES / 1024 / 1024} MB; split it first`,
      );
    }
    const buffer = Buffer.alloc(Math.min(stat.size, FINGERPRINT_MAX_FILE_BYTES) + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > FINGERPRINT_MAX_FILE_BYTES) {
      throw new Error(
        `\`${path}\` is larger than ${FINGERPRINT_MAX_FILE_BYTES / 1024 / 1024} MB; split it first`,
      );
    }
    const bytes = buffer.subarray(0, bytesRead);
    if (bytes.includes(0)) throw new Error(`\`${path}\` looks binary; give a text file`);
    return bytes.toString('utf8');
  } finally {
    await handle.close();
  }
}

export const fingerprintAddCommand = defineCommand({
  name: 'fingerprint add',
  summary: 'Register protected documents (only hashes are stored)',
  description:
    'Fingerprint text files so that prompts containing an excerpt of them are flagged, even lightly edited. Only winnowed shingle hashes are stored in <data_dir>/fingerprints.json; the text is not kept.',
  options: [
    ...CONFIG_OPTIONS,
    {
      name: 'name',
      type: 'string',
      valueName: 'name',
      description: 'Name to list the document under (default: file name)',
    },
    { name: 'json', type: 'boolean', description: 'Print one JSON line per document' },
  ],
  positionals: FILE_POSITIONALS,
  examples: ['parapet fingerprint add contracts/master-agreement.txt --name "master agreement"'],
  async run({ options, positionals, io }) {
    if (options.name !== undefined && positionals.length > 1) {
      throw new UsageError('`--name` names one document; give one file with it', 'fingerprint add');
    }
    const config = loadCommandConfig(options, io);
    for (const file of positionals) {
      const path = resolve(io.cwd, file);
      const text = await readTextFile(path);
      const set = await addFingerprintDocument(config.data_dir, {
        name: options.name ?? basename(path),
        text,
      });
      if (set.count === 0) io.stderr.write(`warning: \`${file}\` has no words; nothing will match it\n`);
      const line = options.json
        ? JSON.stringify({ id: set.id, name: set.name, count: set.count })
        : `${set.id}\t${set.name}\t${set.count} fingerprints`;
      io.stdout.write(`${line}\n`);
    }
    return EXIT.OK;
  },
});

export const fingerprintListCommand = defineCommand({
  name: 'fingerprint list',
  summary: 'List protected documents',
  options: [...CONFIG_OPTIONS, { name: 'json', type: 'boolean', description: 'Print a JSON array' }],
  async run({ options, io }) {
    const config = loadCommandConfig(options, io);
    const file = await readFingerprintFile(config.data_dir);
    const rows = file.documents.map((d) => ({ id: d.id, name: d.name, count: d.count }));
    if (options.json) {
      io.stdout.write(`${JSON.stringify(rows)}\n`);
      return EXIT.OK;
    }
    if (rows.length === 0) {
      io.stderr.write('no protected documents yet; add one with `parapet fingerprint add FILE`\n');
      return EXIT.OK;
    }
    for (const row of rows) io.stdout.write(`${row.id}\t${row.name}\t${row.count} fingerprints\n`);
    return EXIT.OK;
  },
});

export const fingerprintRemoveCommand = defineCommand({
  name: 'fingerprint remove',
  summary: 'Remove a protected document by id',
  options: [...CONFIG_OPTIONS],
  positionals: [
    { name: 'id', description: 'Id of the document, as `fingerprint list` shows it', required: true },
  ],
  async run({ options, positionals, io }) {
    const id = positionals[0]!;
    const config = loadCommandConfig(options, io);
    if (!(await removeFingerprintDocument(config.data_dir, id))) {
      io.stderr.write(`parapet: no protected document with id \`${id}\`; see \`parapet fingerprint list\`\n`);
      return EXIT.FAILURE;
    }
    io.stdout.write(`removed ${id}\n`);
    return EXIT.OK;
  },
});
