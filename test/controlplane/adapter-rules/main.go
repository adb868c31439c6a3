// adapter-rules: prometheus-adapter's own config loader and query builder applied to the rules kinfer writes
// (`kubectl inference deploy --autoscale-with prometheus-adapter`). It loads the file with the adapter's
// pkg/config.FromFile (strict YAML: unknown fields fail), builds the namers with pkg/naming.NamersFromConfig (the
// templates, the name regexps, the resource overrides), and prints, for one series, the External metric name the
// adapter would serve and the PromQL it would send for an HPA's selector. Nothing here re-implements the adapter.
//
//	adapter-rules RULES.yaml SERIES NAMESPACE KEY=VALUE...
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/prometheus/common/model"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	prom "sigs.k8s.io/prometheus-adapter/pkg/client"
	"sigs.k8s.io/prometheus-adapter/pkg/config"
	"sigs.k8s.io/prometheus-adapter/pkg/naming"
)

type result struct {
	Rule          int    `json:"rule"`
	SeriesQuery   string `json:"seriesQuery"`
	Matches       bool   `json:"matches"`
	ExternalName  string `json:"externalMetricName,omitempty"`
	Query         string `json:"query,omitempty"`
	QueryError    string `json:"queryError,omitempty"`
}

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: adapter-rules RULES.yaml SERIES NAMESPACE KEY=VALUE...")
		os.Exit(2)
	}
	cfg, err := config.FromFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The adapter takes its RESTMapper from discovery; namespaces are the one resource kinfer's rules name.
	mapper := apimeta.NewDefaultRESTMapper(nil)
	mapper.Add(schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}, apimeta.RESTScopeRoot)
	namers, err := naming.NamersFromConfig(cfg.ExternalRules, mapper)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	series, namespace := os.Args[2], os.Args[3]
	set := labels.Set{}
	seriesLabels := model.LabelSet{"namespace": model.LabelValue(namespace)}
	for _, kv := range os.Args[4:] {
		k, v, _ := strings.Cut(kv, "=")
		set[k] = v
		seriesLabels[model.LabelName(k)] = model.LabelValue(v)
	}
	out := []result{}
	for i, n := range namers {
		r := result{Rule: i, SeriesQuery: string(n.Selector())}
		s := prom.Series{Name: series, Labels: seriesLabels}
		r.Matches = len(n.FilterSeries([]prom.Series{s})) == 1
		if name, err := n.MetricNameForSeries(s); err == nil {
			r.ExternalName = name
		}
		if q, err := n.QueryForExternalSeries(series, namespace, set.AsSelector()); err == nil {
			r.Query = string(q)
		} else {
			r.QueryError = err.Error()
		}
		out = append(out, r)
	}
	_ = json.NewEncoder(os.Stdout).Encode(out)
}
