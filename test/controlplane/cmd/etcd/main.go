// Command etcd runs a single-member etcd on loopback through etcd's embed
// package, for kinfer's local control plane. It serves until SIGINT/SIGTERM.
package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

func parseURLs(flagName, list string) []url.URL {
	var out []url.URL
	for _, s := range splitComma(list) {
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			fmt.Fprintf(os.Stderr, "etcd: bad --%s %q\n", flagName, s)
			os.Exit(2)
		}
		out = append(out, *u)
	}
	return out
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}

func main() {
	name := flag.String("name", "kinfer", "member name")
	dataDir := flag.String("data-dir", "", "data directory (required)")
	listenClient := flag.String("listen-client-urls", "http://127.0.0.1:23790", "comma-separated client URLs to listen on")
	advertiseClient := flag.String("advertise-client-urls", "", "comma-separated client URLs to advertise (default: --listen-client-urls)")
	listenPeer := flag.String("listen-peer-urls", "http://127.0.0.1:23800", "comma-separated peer URLs to listen on (loopback)")
	listenMetrics := flag.String("listen-metrics-urls", "", "comma-separated URLs for /metrics and /health (optional)")
	logLevel := flag.String("log-level", "warn", "debug, info, warn, error")
	noFsync := flag.Bool("unsafe-no-fsync", false, "skip fsync (faster, loses data on a machine crash; fine for tests)")
	quota := flag.Int64("quota-backend-bytes", 0, "backend quota in bytes (0: etcd's default)")
	flag.Parse()
	if *dataDir == "" {
		fmt.Fprintln(os.Stderr, "etcd: --data-dir is required")
		os.Exit(2)
	}
	if *advertiseClient == "" {
		*advertiseClient = *listenClient
	}

	cfg := embed.NewConfig()
	cfg.Name = *name
	cfg.Dir = *dataDir
	cfg.ListenClientUrls = parseURLs("listen-client-urls", *listenClient)
	cfg.AdvertiseClientUrls = parseURLs("advertise-client-urls", *advertiseClient)
	cfg.ListenPeerUrls = parseURLs("listen-peer-urls", *listenPeer)
	cfg.AdvertisePeerUrls = cfg.ListenPeerUrls
	if *listenMetrics != "" {
		cfg.ListenMetricsUrls = parseURLs("listen-metrics-urls", *listenMetrics)
	}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.Logger = "zap"
	cfg.LogLevel = *logLevel
	cfg.LogOutputs = []string{"stderr"}
	cfg.UnsafeNoFsync = *noFsync
	if *quota > 0 {
		cfg.QuotaBackendBytes = *quota
	}

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "etcd: start: %v\n", err)
		os.Exit(1)
	}

	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)

	select {
	case <-e.Server.ReadyNotify():
		fmt.Fprintf(os.Stderr, "etcd: ready, serving clients on %s\n", *listenClient)
	case <-time.After(60 * time.Second):
		e.Server.Stop()
		e.Close()
		fmt.Fprintln(os.Stderr, "etcd: not ready after 60s")
		os.Exit(1)
	case s := <-sig:
		e.Close()
		fmt.Fprintf(os.Stderr, "etcd: %v before ready, stopped\n", s)
		os.Exit(1)
	}

	select {
	case s := <-sig:
		fmt.Fprintf(os.Stderr, "etcd: %v, shutting down\n", s)
		e.Close()
		fmt.Fprintln(os.Stderr, "etcd: stopped")
	case err := <-e.Err():
		e.Close()
		fmt.Fprintf(os.Stderr, "etcd: serve error: %v\n", err)
		os.Exit(1)
	}
}
