/**
 * validate.podSecurity: the Pod Security Standards checks (baseline and restricted) as
 * the Kubernetes pod-security-admission library defines them and Kyverno runs them
 * (`handlers/validation/validate_pss.go`, `pkg/pss/evaluate.go`). That library is Go;
 * the checks are small and fixed by the standard, so they are written here, each with
 * its control name and the field paths Kyverno's `exclude` entries refer to.
 * `level: baseline` runs only the baseline checks; any other level runs all of them.
 */
import { isObject } from './jmespath.ts';
import { wildcardMatch } from './wildcard.ts';
import type { Resource, RuleStatus } from './types.ts';

interface Violation {
  control: string;
  field: string;
  value: unknown;
  /** The container the violation is in; undefined for pod-level fields. */
  image?: string;
  detail: string;
}

interface PodView {
  metadata: Record<string, unknown>;
  spec: Record<string, unknown>;
}

interface ContainerView {
  kind: 'containers' | 'initContainers' | 'ephemeralContainers';
  c: Record<string, unknown>;
}

const BASELINE_CAPS = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes',
]);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const SELINUX_TYPES_131 = new Set([...SELINUX_TYPES, 'container_engine_t']);
const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

const obj = (v: unknown): Record<string, unknown> => (isObject(v) ? v : {});

/** Minor version number of "v1.NN" / "latest". */
function minor(version: string | undefined): number {
  if (!version || version === 'latest') return 99;
  const m = /^v1\.(\d+)$/.exec(version);
  return m ? Number(m[1]) : 99;
}

function podView(r: Resource): PodView | undefined {
  const spec = obj(r.spec);
  if (r.kind === 'Pod') return { metadata: obj(r.metadata), spec };
  if (r.kind === 'CronJob') {
    const jt = obj(spec.jobTemplate);
    const tpl = obj(obj(jt.spec).template);
    // validate_pss.go getSpec: a CronJob's metadata is the job template's (Appendix A.13).
    return isObject(obj(jt.spec).template) ? { metadata: obj(jt.metadata), spec: obj(tpl.spec) } : undefined;
  }
  if (isObject(spec.template)) {
    const tpl = obj(spec.template);
    return { metadata: obj(tpl.metadata), spec: obj(tpl.spec) };
  }
  return undefined;
}

function containersOf(spec: Record<string, unknown>): ContainerView[] {
  const out: ContainerView[] = [];
  for (const kind of ['containers', 'initContainers', 'ephemeralContainers'] as const) {
    const list = spec[kind];
    if (Array.isArray(list)) for (const c of list) if (isObject(c)) out.push({ kind, c });
  }
  return out;
}

function check(pod: PodView, level: string, version: number): Violation[] {
  const v: Violation[] = [];
  const { spec, metadata } = pod;
  const psc = obj(spec.securityContext);
  const containers = containersOf(spec);
  const cField = (cv: ContainerView, path: string): string => `spec.${cv.kind}[*].${path}`;
  const push = (control: string, field: string, value: unknown, detail: string, image?: string): void => {
    v.push({ control, field, value, detail, ...(image !== undefined ? { image } : {}) });
  };
  const img = (cv: ContainerView): string => (typeof cv.c.image === 'string' ? cv.c.image : '');
  const name = (cv: ContainerView): string => String(cv.c.name ?? '');

  // Baseline.
  if (obj(psc.windowsOptions).hostProcess === true) push('HostProcess', 'spec.securityContext.windowsOptions.hostProcess', true, 'pod must not set hostProcess');
  for (const cv of containers) {
    const sc = obj(cv.c.securityContext);
    if (obj(sc.windowsOptions).hostProcess === true) push('HostProcess', cField(cv, 'securityContext.windowsOptions.hostProcess'), true, `container "${name(cv)}" must not set hostProcess`, img(cv));
  }
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (spec[f] === true) push('Host Namespaces', `spec.${f}`, true, `${f}=true`);
  }
  for (const cv of containers) {
    const sc = obj(cv.c.securityContext);
    if (sc.privileged === true) push('Privileged Containers', cField(cv, 'securityContext.privileged'), true, `container "${name(cv)}" must not set securityContext.privileged=true`, img(cv));
    const add = obj(sc.capabilities).add;
    if (Array.isArray(add)) {
      for (const cap of add) {
        if (!BASELINE_CAPS.has(String(cap))) push('Capabilities', cField(cv, 'securityContext.capabilities.add'), cap, `container "${name(cv)}" must not include "${String(cap)}" in securityContext.capabilities.add`, img(cv));
      }
    }
    const ports = cv.c.ports;
    if (Array.isArray(ports)) {
      for (const p of ports) {
        const hp = obj(p).hostPort;
        if (typeof hp === 'number' && hp !== 0) push('Host Ports', cField(cv, 'ports[*].hostPort'), hp, `container "${name(cv)}" uses hostPort ${hp}`, img(cv));
      }
    }
    if (sc.procMount !== undefined && sc.procMount !== 'Default') push('/proc Mount Type', cField(cv, 'securityContext.procMount'), sc.procMount, `container "${name(cv)}" must not set securityContext.procMount=${String(sc.procMount)}`, img(cv));
  }
  const volumes = Array.isArray(spec.volumes) ? spec.volumes.filter(isObject) : [];
  for (const vol of volumes) if (vol.hostPath !== undefined) push('HostPath Volumes', 'spec.volumes[*].hostPath', vol.name, `hostPath volume "${String(vol.name)}"`);
  for (const [k, val] of Object.entries(obj(metadata.annotations))) {
    if (k.startsWith('container.apparmor.security.beta.kubernetes.io/') && !(val === 'runtime/default' || (typeof val === 'string' && val.startsWith('localhost/')))) {
      push('AppArmor', `metadata.annotations[${k}]`, val, `annotation ${k}="${String(val)}"`);
    }
  }
  if (version >= 30) {
    const okAA = (p: unknown): boolean => !isObject(p) || p.type === undefined || p.type === 'RuntimeDefault' || p.type === 'Localhost';
    if (!okAA(psc.appArmorProfile)) push('AppArmor', 'spec.securityContext.appArmorProfile.type', obj(psc.appArmorProfile).type, 'pod must not set appArmorProfile.type=Unconfined');
    for (const cv of containers) {
      const p = obj(cv.c.securityContext).appArmorProfile;
      if (!okAA(p)) push('AppArmor', cField(cv, 'securityContext.appArmorProfile.type'), obj(p).type, `container "${name(cv)}" must not set appArmorProfile.type=Unconfined`, img(cv));
    }
  }
  const seTypes = version >= 31 ? SELINUX_TYPES_131 : SELINUX_TYPES;
  const seCheck = (opts: unknown, field: string, image?: string): void => {
    if (!isObject(opts)) return;
    if (opts.type !== undefined && !seTypes.has(String(opts.type))) push('SELinux', `${field}.type`, opts.type, `seLinuxOptions.type "${String(opts.type)}"`, image);
    if (opts.user !== undefined && opts.user !== '') push('SELinux', `${field}.user`, opts.user, 'seLinuxOptions.user must not be set', image);
    if (opts.role !== undefined && opts.role !== '') push('SELinux', `${field}.role`, opts.role, 'seLinuxOptions.role must not be set', image);
  };
  seCheck(psc.seLinuxOptions, 'spec.securityContext.seLinuxOptions');
  for (const cv of containers) seCheck(obj(cv.c.securityContext).seLinuxOptions, cField(cv, 'securityContext.seLinuxOptions'), img(cv));
  const podSeccomp = obj(psc.seccompProfile).type;
  if (podSeccomp === 'Unconfined') push('Seccomp', 'spec.securityContext.seccompProfile.type', podSeccomp, 'pod must not set seccompProfile.type=Unconfined');
  for (const cv of containers) {
    const t = obj(obj(cv.c.securityContext).seccompProfile).type;
    if (t === 'Unconfined') push('Seccomp', cField(cv, 'securityContext.seccompProfile.type'), t, `container "${name(cv)}" must not set seccompProfile.type=Unconfined`, img(cv));
  }
  if (Array.isArray(psc.sysctls)) {
    for (const s of psc.sysctls) {
      const n = String(obj(s).name ?? '');
      if (!SAFE_SYSCTLS.has(n)) push('Sysctls', 'spec.securityContext.sysctls[*].name', n, `forbidden sysctl "${n}"`);
    }
  }
  if (level === 'baseline') return v;

  // Restricted.
  for (const vol of volumes) {
    const type = Object.keys(vol).find((k) => k !== 'name');
    if (type && !RESTRICTED_VOLUMES.includes(type)) push('Volume Types', `spec.volumes[*].${type}`, vol.name, `volume "${String(vol.name)}" uses restricted volume type "${type}"`);
  }
  const podNonRoot = psc.runAsNonRoot;
  const podUser = psc.runAsUser;
  if (podUser === 0 && version >= 23) push('Running as Non-root user', 'spec.securityContext.runAsUser', 0, 'pod must not set runAsUser=0');
  for (const cv of containers) {
    const sc = obj(cv.c.securityContext);
    if (sc.allowPrivilegeEscalation !== false) {
      push('Privilege Escalation', cField(cv, 'securityContext.allowPrivilegeEscalation'), sc.allowPrivilegeEscalation ?? null, `container "${name(cv)}" must set securityContext.allowPrivilegeEscalation=false`, img(cv));
    }
    const nonRoot = sc.runAsNonRoot;
    if (nonRoot === false || (nonRoot === undefined && podNonRoot !== true)) {
      push('Running as Non-root', cField(cv, 'securityContext.runAsNonRoot'), nonRoot ?? null, `container "${name(cv)}" must set securityContext.runAsNonRoot=true`, img(cv));
    }
    if (sc.runAsUser === 0 && version >= 23) push('Running as Non-root user', cField(cv, 'securityContext.runAsUser'), 0, `container "${name(cv)}" must not set runAsUser=0`, img(cv));
    if (version >= 19) {
      const t = obj(sc.seccompProfile).type;
      const okPod = podSeccomp === 'RuntimeDefault' || podSeccomp === 'Localhost';
      if (t === undefined ? !okPod : t !== 'RuntimeDefault' && t !== 'Localhost' && t !== 'Unconfined') {
        push('Seccomp', cField(cv, 'securityContext.seccompProfile.type'), t ?? null, `container "${name(cv)}" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`, img(cv));
      }
    }
    if (version >= 22) {
      const caps = obj(sc.capabilities);
      const drop = Array.isArray(caps.drop) ? caps.drop.map(String) : [];
      if (!drop.includes('ALL')) push('Capabilities', cField(cv, 'securityContext.capabilities.drop'), drop, `container "${name(cv)}" must set securityContext.capabilities.drop=["ALL"]`, img(cv));
      if (Array.isArray(caps.add)) {
        for (const cap of caps.add) {
          if (cap !== 'NET_BIND_SERVICE') push('Capabilities', cField(cv, 'securityContext.capabilities.add'), cap, `container "${name(cv)}" must not include "${String(cap)}" in securityContext.capabilities.add`, img(cv));
        }
      }
    }
  }
  if (podNonRoot === false) push('Running as Non-root', 'spec.securityContext.runAsNonRoot', false, 'pod must not set securityContext.runAsNonRoot=false');
  return v;
}

interface ExcludeEntry {
  controlName?: string;
  images?: string[];
  restrictedField?: string;
  values?: string[];
}

function exempted(v: Violation, excludes: readonly ExcludeEntry[]): boolean {
  return excludes.some((e) => {
    if (e.controlName !== v.control) return false;
    if (v.image !== undefined) {
      if (!e.images?.length || !e.images.some((p) => wildcardMatch(p, v.image ?? ''))) return false;
    } else if (e.images?.length) return false;
    if (e.restrictedField) {
      const field = v.field.replace(/\[\*\]/g, '[*]');
      if (!wildcardMatch(e.restrictedField, field) && e.restrictedField !== field) return false;
      if (e.values?.length && !e.values.includes(String(v.value))) return false;
    }
    return true;
  });
}

export function evaluatePodSecurity(
  rule: string,
  ps: { level: string; version?: string; exclude?: unknown[] },
  resource: Resource,
): { status: RuleStatus; message: string } {
  const pod = podView(resource);
  if (!pod) return { status: 'pass', message: `Validation rule '${rule}' passed.` };
  const version = ps.version ?? 'latest';
  const excludes = (ps.exclude ?? []).filter(isObject) as ExcludeEntry[];
  const violations = check(pod, ps.level, minor(version)).filter((v) => !exempted(v, excludes));
  if (violations.length === 0) return { status: 'pass', message: `Validation rule '${rule}' passed.` };
  const byControl = new Map<string, string[]>();
  for (const v of violations) byControl.set(v.control, [...(byControl.get(v.control) ?? []), v.detail]);
  const details = [...byControl.entries()].map(([c, d]) => `(${c}: ${d.join('; ')})`).join(' ');
  return { status: 'fail', message: `Validation rule '${rule}' failed. It violates PodSecurity "${ps.level}:${version}": ${details}` };
}
