/**
 * Resolving {@link X509Options} (contents or file paths) into the PEM material the engines use.
 */
import { readFile } from 'node:fs/promises';
import { ErrorCodes, RemoteConnError } from '../errors.js';
import type { X509Material, X509Options } from './transport.js';

type Part = 'ca' | 'cert' | 'key' | 'crl';
const LABEL: Record<Part, string> = { ca: 'CA certificate', cert: 'certificate', key: 'private key', crl: 'CRL' };

async function part(o: X509Options, name: Part, required: boolean): Promise<string | Buffer | undefined> {
  const inline = o[name];
  const file = o[`${name}File`];
  if (inline !== undefined && file !== undefined) {
    throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `x509: give either ${name} or ${name}File, not both`);
  }
  if (inline !== undefined) {
    if (typeof inline !== 'string' && !Buffer.isBuffer(inline)) {
      throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `x509.${name} must be PEM text (a string or a Buffer)`);
    }
    if (inline.length === 0) throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `x509.${name} is empty`);
    return inline;
  }
  if (file !== undefined) {
    if (typeof file !== 'string' || file.length === 0) {
      throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `x509.${name}File must be a non-empty path`);
    }
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new RemoteConnError(ErrorCodes.CERT_UNREADABLE, `The ${LABEL[name]} file ${file} cannot be read: ${code ?? (err as Error).message}`, {
        cause: err,
        details: { path: file },
      });
    }
    if (data.length === 0) {
      throw new RemoteConnError(ErrorCodes.CERT_UNREADABLE, `The ${LABEL[name]} file ${file} is empty`, { details: { path: file } });
    }
    return data;
  }
  if (required) {
    const why = name === 'ca' ? '' : name === 'cert' ? ": Pacemaker's daemon in X.509 mode requires a client certificate" : ': the private key of the client certificate';
    throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `x509 needs ${name} or ${name}File${why}`);
  }
  return undefined;
}

/**
 * Reads the files named in `options` and checks that the CA, certificate and key are each given once.
 *
 * @throws RemoteConnError `INVALID_ARGUMENT` (missing or doubly given part), `CERT_UNREADABLE` (a file
 *   cannot be read or is empty; the message names it)
 */
export async function resolveX509(options: X509Options): Promise<X509Material> {
  if (typeof options !== 'object' || options === null) {
    throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, 'x509 must be an object');
  }
  const [ca, cert, key, crl] = await Promise.all([
    part(options, 'ca', true),
    part(options, 'cert', true),
    part(options, 'key', true),
    part(options, 'crl', false),
  ]);
  const m: X509Material = { ca: ca as string | Buffer, cert: cert as string | Buffer, key: key as string | Buffer };
  if (crl !== undefined) m.crl = crl;
  return m;
}
