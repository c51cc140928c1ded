/**
 * Roles, parties and responsible parties of the documents built from evidence, from
 * system.yaml: the organisation, the people and teams it names, and who holds which
 * role. Every role id used (by responsible parties and users) is defined, with the usual
 * title for OSCAL's and FedRAMP's common roles and the id itself otherwise.
 */
import type { JsonObject } from '../document.ts';
import type { SystemDescription } from '../system.ts';
import { stableUuid } from '../uuid.ts';

const ROLE_TITLES: Readonly<Record<string, string>> = {
  'system-owner': 'System Owner',
  'authorizing-official': 'Authorizing Official',
  'information-system-security-officer': 'Information System Security Officer',
  'system-poc-management': 'System Management Point of Contact',
  'system-poc-technical': 'System Technical Point of Contact',
  'system-poc-other': 'System Point of Contact',
  'privacy-poc': 'Privacy Point of Contact',
  'prepared-by': 'Prepared By',
  'prepared-for': 'Prepared For',
  'content-approver': 'Content Approver',
  assessor: 'Assessor',
  'platform-operator': 'Platform Operator',
  'workload-developer': 'Workload Developer',
};

export const organizationUuid = (s: SystemDescription): string => stableUuid('party', 'organization', s.organization.name);
export const partyUuid = (s: SystemDescription, id: string): string => stableUuid('party', s.organization.name, id);

function title(role: string, given?: string): string {
  if (given) return given;
  return ROLE_TITLES[role] ?? role.replace(/[-_.]+/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

export function partiesOf(s: SystemDescription): { roles: JsonObject[]; parties: JsonObject[]; responsible: JsonObject[] } {
  const roleIds = new Map<string, string | undefined>();
  for (const rp of s.responsibleParties) roleIds.set(rp.role, rp.title);
  for (const u of s.users ?? []) for (const r of u.roles) if (!roleIds.has(r)) roleIds.set(r, undefined);
  if (!s.users) roleIds.set('platform-operator', roleIds.get('platform-operator'));
  const org = organizationUuid(s);
  const parties: JsonObject[] = [
    {
      uuid: org,
      type: 'organization',
      name: s.organization.name,
      ...(s.organization.shortName ? { 'short-name': s.organization.shortName } : {}),
      ...(s.organization.email ? { 'email-addresses': [s.organization.email] } : {}),
    },
    ...s.parties.map((p) => ({
      uuid: partyUuid(s, p.id),
      type: p.type,
      name: p.name,
      ...(p.email ? { 'email-addresses': [p.email] } : {}),
      ...(p.type === 'person' ? { 'member-of-organizations': [org] } : {}),
    })),
  ];
  return {
    roles: [...roleIds].map(([id, t]) => ({ id, title: title(id, t) })),
    parties,
    responsible: s.responsibleParties.map((rp) => ({ 'role-id': rp.role, 'party-uuids': rp.parties.map((id) => partyUuid(s, id)) })),
  };
}
