// Package opencloud serves Roblox's Open Cloud data store REST API (v2
// standard and ordered data stores, and the legacy v1 standard and ordered
// APIs) from the daemon, on the same engine and through the same throttling
// gate as game servers (design decision 11). A tool points its base URL at
// the daemon instead of https://apis.roblox.com and keeps its paths:
//
//	GET http://127.0.0.1:34890/cloud/v2/universes/1/data-stores/PlayerData/scopes/global/entries/Player_1
//
// Usage (the daemon mounts it; tests reach it through servertest):
//
//	oc := opencloud.New(opencloud.Options{Dispatcher: d, APIKey: key})
//	for _, p := range opencloud.Prefixes {
//		mux.Handle(p, oc)
//	}
//	defer oc.Close()
//
// Each request turns into engine calls and each answer into the API's own
// shape: v2 resources and {"code","message","details"} errors; v1 raw values
// with roblox-entry-* headers and {"error","message","errorDetails"}
// errors; v1 ordered {"code","message"} errors; and the gateway's
// {"errors":[...]} for a refused API key. Nothing about Roblox semantics
// lives here: values, keys, metadata and user ids are validated by the
// engine, whose errors are mapped in errors.go.
//
// Every universe has one dispatch.Session of ClientKind "opencloud": the
// gate gives it no per-server budget but counts its requests against the
// per-key windows and the experience quotas that game servers share
// (reference §3.7), so a busy game throttles Open Cloud and the reverse.
// docs/opencloud.md lists every endpoint and the emulator's choices where
// the reference is silent.
package opencloud
