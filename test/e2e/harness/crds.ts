// Stand-in CRDs for kinds no registry this machine reaches publishes (InferencePool, Gateway API): the real group,
// version and kind with an open schema. No upstream CRD file is committed or copied.

/** A CustomResourceDefinition body for a namespaced `kind` served at `group`/`version`, accepting any content. */
export function standInCrd(group: string, plural: string, kind: string, version: string) {
  return {
    // k8s.io groups need an API-approval annotation; "unapproved, ..." is the value for non-upstream definitions.
    metadata: { name: `${plural}.${group}`, annotations: { 'api-approved.kubernetes.io': 'unapproved, a stand-in for kinfer e2e tests' } },
    spec: {
      group, scope: 'Namespaced',
      names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` },
      versions: [{ name: version, served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } } }],
    },
  };
}
