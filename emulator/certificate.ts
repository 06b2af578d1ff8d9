import { generate } from "selfsigned";

export interface ServerCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

/** A fresh self-signed certificate for the loopback server; clients trust it through `tlsOptions.ca`. */
export async function generateLoopbackCertificate(): Promise<ServerCertificate> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + 30 * 86_400_000);
  const pems = await generate([{ name: "commonName", value: "vaultwatch-emulator" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: "basicConstraints", cA: true },
      { name: "keyUsage", digitalSignature: true, keyCertSign: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 7, ip: "127.0.0.1" },
          { type: 2, value: "localhost" },
        ],
      },
    ],
  });
  return { certPem: pems.cert, keyPem: pems.private };
}
