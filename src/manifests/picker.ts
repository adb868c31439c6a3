import { LABELS, MANAGED_BY } from './labels.js';
import { pickerServiceName, PICKER_PORT } from './model.js';
import type { KubeObject } from './objects.js';
import { pickerDisruptionBudget, pickerNetworkPolicy } from './security.js';
import { VERSION } from '../version.js';

/**
 * The image built from this repository's Dockerfile: every kinfer binary, `node` as the entrypoint. The one place
 * the image is named: tagged with the package version; the Helm charts, manifests/scheduler, the Dockerfile and the
 * README are held to it by test/install/image.test.ts.
 */
export const KINFER_IMAGE_REPOSITORY = 'ghcr.io/kinfer-dev/kinfer';
export const KINFER_IMAGE = `${KINFER_IMAGE_REPOSITORY}:${VERSION}`;
/** The picker's health and metrics port (GET /health, /metrics, /debug/endpoints). */
export const PICKER_HEALTH_PORT = 9003;
/** The key of the picker's EndpointPickerConfig in its ConfigMap. */
export const PICKER_CONFIG_KEY = 'config.yaml';

export interface PickerDeployment {
  /** The InferencePool the picker serves. */
  readonly pool: string;
  readonly namespace: string;
  readonly configYaml: string;
  readonly image?: string;
}

/**
 * The objects `kubectl inference route install` applies for one pool: a ServiceAccount allowed to read the
 * pool and watch its pods (nothing else), the config in a ConfigMap (hot-reloaded by the picker when it
 * changes), a Deployment of two kinfer-picker replicas in ext_proc mode (TLS with a self-signed certificate made
 * at start, as the Inference Extension's EPP serves by default), a PodDisruptionBudget and a NetworkPolicy
 * (ext_proc from the gateway only), and the Service the pool's endpointPickerRef names. The gateway must speak
 * TLS to it without verifying the certificate, as it does for the EPP: see docs/reliability.md.
 */
export function buildPickerObjects(p: PickerDeployment): KubeObject[] {
  const name = pickerServiceName(p.pool);
  const labels = { [LABELS.name]: name, [LABELS.managedBy]: MANAGED_BY, [LABELS.deployment]: p.pool, [LABELS.component]: 'endpoint-picker' };
  const metadata = { name, namespace: p.namespace, labels };
  const selector = { [LABELS.name]: name, [LABELS.component]: 'endpoint-picker' };
  const owner = { deployment: p.pool, namespace: p.namespace };
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata,
      rules: [
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['inference.networking.k8s.io'], resources: ['inferencepools'], verbs: ['get', 'list', 'watch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace: p.namespace }],
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { [PICKER_CONFIG_KEY]: p.configYaml } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata,
      spec: {
        // Two, so a restart or a node drain (with the PodDisruptionBudget below) never leaves the pool without a picker.
        replicas: 2,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: name,
            // The picker watches the pool's pods: it needs its token (and nothing else does).
            automountServiceAccountToken: true,
            securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [{
              name: 'picker',
              image: p.image ?? KINFER_IMAGE,
              command: ['node', '/app/bin/kinfer-picker.js'],
              args: ['--mode', 'ext-proc', '--port', String(PICKER_PORT), '--health-port', String(PICKER_HEALTH_PORT),
                '--pool', p.pool, '--namespace', p.namespace, '--config', `/etc/kinfer/${PICKER_CONFIG_KEY}`],
              ports: [{ name: 'grpc', containerPort: PICKER_PORT }, { name: 'health', containerPort: PICKER_HEALTH_PORT }],
              // ext_proc is TLS (the kubelet's gRPC probe speaks plaintext): readiness is /health, 503 while no
              // endpoint has fresh metrics; liveness is /healthz, which only says the process answers.
              readinessProbe: { httpGet: { path: '/health', port: 'health' }, periodSeconds: 5 },
              livenessProbe: { httpGet: { path: '/healthz', port: 'health' }, periodSeconds: 10 },
              resources: { requests: { cpu: '500m', memory: '256Mi' }, limits: { memory: '1Gi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [{ name: 'config', mountPath: '/etc/kinfer', readOnly: true }],
            }],
            volumes: [{ name: 'config', configMap: { name } }],
          },
        },
      },
    },
    pickerDisruptionBudget(owner, name),
    pickerNetworkPolicy(owner, name, { extProc: PICKER_PORT, health: PICKER_HEALTH_PORT }),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata,
      spec: {
        selector,
        ports: [
          { name: 'grpc', port: PICKER_PORT, targetPort: 'grpc', appProtocol: 'http2' },
          { name: 'health', port: PICKER_HEALTH_PORT, targetPort: 'health' },
        ],
      },
    },
  ];
}
