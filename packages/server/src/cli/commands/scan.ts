/** `parapet scan`: run the detectors on a text, a file, or JSON lines, without any model call. */
import { readFileSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { ParapetError } from '@parapet/core';
import { detectorsForCommand } from '../../detectors/builtin.ts';
import { createScanner } from '../../detectors/scanner.ts';
import { defineCommand, EXIT } from '../command.ts';
import { UsageError } from '../options.ts';
import { CONFIG_OPTIONS, loadCommandConfig } from '../shared-options.ts';

/** Largest `--file` or JSON line accepted. */
const MAX_INPUT_BYTES = 10 * 1024 * 1024;

export const scanCommand = defineCommand({
  name: 'scan',
  summary: 'Scan text for PII, secrets, code and other findings (no model is called)',
  description:
    'Scan a text given as an argument, a file, or JSON lines on stdin, with the detectors of the configuration, and print one JSON result per input (the format of POST /v1/scan). Exit code 0 when the scan ran, whatever it found; 1 with a one-line error on bad input.',
  options: [
    ...CONFIG_OPTIONS,
    { name: 'file', type: 'string', valueName: 'path', description: 'Scan the contents of a text file' },
    {
      name: 'jsonl',
      type: 'boolean',
      description:
        'Read {"id": …, "text": …} (or "input"/"messages") JSON lines on stdin, write one result line each, same id; a bad line gets an error line and the run goes on',
    },
    {
      name: 'detectors',
      type: 'list',
      valueName: 'a,b',
      description: 'Only these detectors (e.g. pii,secrets)',
    },
    {
      name: 'direction',
      type: 'string',
      valueName: 'input|output',
      description: 'Scan as a prompt (default) or as a model answer',
    },
  ],
  positionals: [{ name: 'text', description: 'The text to scan' }],
  examples: [
    'parapet scan "my card is 4111 1111 1111 1111"',
    'parapet scan --file notes.txt --detectors pii,secrets',
    'cat prompts.jsonl | parapet scan --jsonl > results.jsonl',
  ],
  async run({ options, positionals, io }) {
    const sources = [positionals.length > 0, options.file !== undefined, options.jsonl === true].filter(
      Boolean,
    ).length;
    if (sources !== 1)
      throw new UsageError('give exactly one of: a text argument, `--file FILE` or `--jsonl`', 'scan');
    const direction = options.direction ?? 'input';
    if (direction !== 'input' && direction !== 'output')
      throw new UsageError('`--direction` must be `input` or `output`', 'scan');
    const config = loadCommandConfig(options, io);
    const detectors = await detectorsForCommand(config, options.detectors);
    const scanner = createScanner(detectors, config.inspection.detector_budget_ms);
    if (options.jsonl !== true) {
      let text: string;
      if (options.file !== undefined) {
        const size = statSync(options.file).size;
        if (size > MAX_INPUT_BYTES)
          throw new ParapetError(
            'PARAPET_REQUEST_TOO_LARGE',
            `file \`${options.file}\` is over ${MAX_INPUT_BYTES} bytes`,
          );
        text = readFileSync(options.file, 'utf8');
      } else {
        text = positionals.join(' ');
      }
      io.stdout.write(`${JSON.stringify(await scanner({ input: text, direction }))}\n`);
      return EXIT.OK;
    }
    const input = io.stdin ?? process.stdin;
    const lines = createInterface({ input: Readable.from(input), crlfDelay: Number.POSITIVE_INFINITY });
    let lineNo = 0;
    for await (const line of lines) {
      lineNo++;
      if (line.trim().length === 0) continue;
      let out: unknown;
      let id: unknown = null;
      try {
        if (line.length > MAX_INPUT_BYTES)
          throw new ParapetError('PARAPET_REQUEST_TOO_LARGE', `line is over ${MAX_INPUT_BYTES} bytes`);
        let body: unknown;
        try {
          body = JSON.parse(line);
        } catch {
          throw new ParapetError('PARAPET_REQUEST_MALFORMED_JSON', `line ${lineNo} is not valid JSON`);
        }
        if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
          id = (body as { id?: unknown }).id ?? null;
          if ((body as { direction?: unknown }).direction === undefined)
            (body as { direction?: string }).direction = direction;
        }
        out = await scanner(body);
      } catch (err) {
        const e =
          err instanceof ParapetError ? err : new ParapetError('PARAPET_GATEWAY_INTERNAL', 'the scan failed');
        out = {
          id: typeof id === 'string' || typeof id === 'number' ? id : null,
          error: { code: e.code, message: e.message },
        };
      }
      const ok = io.stdout.write(`${JSON.stringify(out)}\n`);
      if (ok === false && 'once' in io.stdout) {
        await new Promise<void>((r) => (io.stdout as NodeJS.WritableStream).once('drain', () => r()));
      }
    }
    return EXIT.OK;
  },
});
