/** Reads a config file as UTF-8 text: bounded in size, a UTF-8 BOM dropped, anything that is not UTF-8 refused. */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { ConfigFileError } from './errors.js';

/** The largest config file read; a pipeline file is a few kilobytes. */
export const MAX_FILE_BYTES = 1024 * 1024;

function refuse(file: string, message: string, line?: number): never {
  throw new ConfigFileError([{ path: '', message, file: basename(file), line }], file);
}

// Reads at most MAX_FILE_BYTES + 1 bytes, so a FIFO or /dev/zero cannot make us read forever.
function readBounded(file: string): Buffer {
  let fd: number;
  try {
    // Opening a FIFO for reading waits for a writer: look before opening.
    const stats = statSync(file);
    if (stats.isDirectory()) refuse(file, 'cannot read the config file: it is a directory');
    if (!stats.isFile()) refuse(file, 'cannot read the config file: it is not a regular file');
    fd = openSync(file, 'r');
  } catch (error) {
    if (error instanceof ConfigFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    return refuse(file, `cannot read the config file: ${code === 'ENOENT' ? 'no such file' : String(code)}`);
  }
  try {
    const buffer = Buffer.alloc(MAX_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > MAX_FILE_BYTES) refuse(file, `the file is larger than ${MAX_FILE_BYTES} bytes`);
    }
    return buffer.subarray(0, length);
  } catch (error) {
    if (error instanceof ConfigFileError) throw error;
    return refuse(file, `cannot read the config file: ${String((error as NodeJS.ErrnoException).code)}`);
  } finally {
    closeSync(fd);
  }
}

/** The byte offset of the first ill-formed UTF-8 sequence, or -1 (one pass, no allocation). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i] as number;
    let n: number;
    if (b < 0x80) n = 0;
    else if (b >= 0xc2 && b <= 0xdf) n = 1;
    else if (b >= 0xe0 && b <= 0xef) n = 2;
    else if (b >= 0xf0 && b <= 0xf4) n = 3;
    else return i;
    if (i + n >= bytes.length && n > 0) return i;
    let cp = n === 0 ? b : b & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k] as number;
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    const min = n === 2 ? 0x800 : n === 3 ? 0x10000 : 0;
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return i;
    i += n + 1;
  }
  return -1;
}

/** The file's text, or a ConfigFileError naming the file (and the line, for bad bytes). */
export function readConfigText(file: string): string {
  const bytes = readBounded(file);
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
    refuse(file, 'the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8', 1);
  const lineAt = (offset: number): number => {
    let line = 1;
    for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
    return line;
  };
  const bad = firstInvalidUtf8(bytes);
  if (bad !== -1)
    refuse(
      file,
      `the file is not UTF-8 text (byte ${bad} is not valid UTF-8); save it as UTF-8`,
      lineAt(bad),
    );
  // YAML allows no C0 control character but tab, line feed and carriage return: such a byte means a binary file.
  const control = bytes.findIndex((b) => b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d);
  if (control !== -1)
    refuse(
      file,
      `the file holds control character 0x${(bytes[control] as number).toString(16).padStart(2, '0')} at byte ${control}: is it a binary file? Save the config as YAML or JSON text`,
      lineAt(control),
    );
  const text = bytes.toString('utf8');
  // Editors on Windows write a BOM; it is not part of the YAML.
  return text.startsWith('\ufeff') ? text.slice(1) : text;
}
