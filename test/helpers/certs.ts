/** Test certificates made with the real openssl: a CA, a server certificate for 127.0.0.1, a client certificate. */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA and a server certificate for 127.0.0.1 signed by it, in `dir`. */
export function makeCa(dir: string, name = 'ca'): { caFile: string; certFile: string; keyFile: string } {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=airlock test ${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  openssl(['req', ...ec, '-keyout', `${name}-server.key`, '-out', `${name}-server.csr`, '-subj', '/CN=127.0.0.1'], dir);
  writeFileSync(join(dir, `${name}-ext.cnf`), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  openssl(['x509', '-req', '-in', `${name}-server.csr`, '-CA', `${name}.crt`, '-CAkey', `${name}.key`, '-CAcreateserial', '-out', `${name}-server.crt`, '-days', '2', '-extfile', `${name}-ext.cnf`], dir);
  return { caFile: join(dir, `${name}.crt`), certFile: join(dir, `${name}-server.crt`), keyFile: join(dir, `${name}-server.key`) };
}

/** A client certificate signed by the CA made with makeCa. */
export function makeClientCert(dir: string, name: string): { certFile: string; keyFile: string } {
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=airlock test client'], dir);
  writeFileSync(join(dir, 'client-ext.cnf'), 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
  openssl(['x509', '-req', '-in', 'client.csr', '-CA', `${name}.crt`, '-CAkey', `${name}.key`, '-CAcreateserial', '-out', 'client.crt', '-days', '2', '-extfile', 'client-ext.cnf'], dir);
  return { certFile: join(dir, 'client.crt'), keyFile: join(dir, 'client.key') };
}
