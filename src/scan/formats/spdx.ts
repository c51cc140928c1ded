/**
 * SPDX 2.3 JSON SBOM. Licenses found in package metadata are often not SPDX
 * expressions ("GPLv2+"), and an invalid expression makes the whole document invalid,
 * so they go to `licenseComments` and the license fields say NOASSERTION.
 */
import { randomUUID } from 'node:crypto';
import type { Package } from '../types.ts';
import type { Format, ReportInput } from './format.ts';

type Json = Record<string, unknown>;

const OS_TYPES = new Set(['deb', 'apk', 'rpm']);

function spdxPackage(p: Package, id: string): Json {
  return {
    SPDXID: id,
    name: p.name,
    ...(p.version !== '' ? { versionInfo: p.version } : {}),
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: 'NOASSERTION',
    ...(p.licenses && p.licenses.length > 0 ? { licenseComments: `declared in package metadata: ${p.licenses.join('; ')}` } : {}),
    copyrightText: 'NOASSERTION',
    externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: p.purl }],
    primaryPackagePurpose: OS_TYPES.has(p.purl.slice(4, 7)) ? 'INSTALL' : 'LIBRARY',
    sourceInfo: `found by ${p.foundBy} in ${p.locations.join(', ')}${p.layer ? ` (layer ${p.layer})` : ''}`,
  };
}

export function renderSpdx(input: ReportInput): Json {
  const { catalog } = input;
  const isImage = catalog.target.kind === 'oci' || catalog.target.kind === 'docker-archive';
  const uuid = input.documentId ?? randomUUID();
  const name = catalog.target.ref.replace(/[^A-Za-z0-9._:/-]/g, '_');
  const packages: Json[] = [
    {
      SPDXID: 'SPDXRef-Target',
      name: catalog.target.ref,
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: 'NOASSERTION',
      copyrightText: 'NOASSERTION',
      primaryPackagePurpose: isImage ? 'CONTAINER' : 'SOURCE',
      ...(catalog.target.digest?.startsWith('sha256:') ? { checksums: [{ algorithm: 'SHA256', checksumValue: catalog.target.digest.slice(7) }] } : {}),
    },
  ];
  const relationships: Json[] = [{ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: 'SPDXRef-Target' }];
  if (catalog.os) {
    packages.push({
      SPDXID: 'SPDXRef-OperatingSystem',
      name: catalog.os.id,
      ...(catalog.os.versionId ? { versionInfo: catalog.os.versionId } : {}),
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: 'NOASSERTION',
      copyrightText: 'NOASSERTION',
      primaryPackagePurpose: 'OPERATING-SYSTEM',
    });
    relationships.push({ spdxElementId: 'SPDXRef-Target', relationshipType: 'CONTAINS', relatedSpdxElement: 'SPDXRef-OperatingSystem' });
  }
  catalog.packages.forEach((p, i) => {
    const id = `SPDXRef-Package-${i + 1}`;
    packages.push(spdxPackage(p, id));
    relationships.push({ spdxElementId: 'SPDXRef-Target', relationshipType: 'CONTAINS', relatedSpdxElement: id });
  });
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name,
    documentNamespace: `https://airlock.invalid/spdx/${catalog.target.kind}/${uuid}`,
    creationInfo: { created: input.generatedAt.toISOString().replace(/\.\d{3}Z$/, 'Z'), creators: [`Tool: airlock-${input.toolVersion}`] },
    packages,
    relationships,
  };
}

export const spdxFormat: Format = {
  name: 'spdx',
  description: 'SPDX 2.3 JSON (SBOM)',
  produces: 'sbom',
  mediaType: 'application/spdx+json',
  render: (input) => JSON.stringify(renderSpdx(input), null, 2) + '\n',
};
