package main

// rbxemu export: write the daemon's store as an export document
// (docs/harness.md), streamed from GET /_emulator/export.

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"
)

func init() {
	commands = append(commands, func() *cobra.Command { return newExportCmd(nil) })
}

// exportOptions are the arguments of rbxemu export.
type exportOptions struct {
	connOptions
	File       string // "" or "-": stdout
	UniverseID int64
	Store      string
	Versions   bool
}

func newExportCmd(runF func(*exportOptions) error) *cobra.Command {
	if runF == nil {
		runF = runExport
	}
	o := &exportOptions{}
	cmd := &cobra.Command{
		Use:   "export [FILE]",
		Short: "Write the store as a JSON document (to FILE, or stdout)",
		Long: `Write the daemon's store as an export document: every universe, data store
(standard and ordered), scope and key, with its value, version, times, user ids and
metadata; with --versions also each key's older versions and deleted keys. The
document is written to FILE (replaced only once it is complete), or to stdout
without FILE or with "-". rbxemu import loads it back, and an export of what it
loaded is the same, byte for byte. docs/harness.md describes the format.`,
		Example: `  rbxemu export fixture.json
  rbxemu export --universe 1 --store PlayerData --versions | jq .`,
		Args: argsBetween(0, 1, "at most FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.prepareHarness(cmd); err != nil {
				return err
			}
			if err := checkUniverseFlag(cmd.Flags(), o.UniverseID); err != nil {
				return usageError(cmd, err)
			}
			if len(args) == 1 {
				o.File = args[0]
			}
			return runF(o)
		},
	}
	bindConn(cmd, &o.connOptions, false)
	f := cmd.Flags()
	bindUniverseFlag(f, &o.UniverseID, "export only this universe (default: all)")
	f.StringVar(&o.Store, "store", "", "export only the data stores (standard and ordered) of this name")
	f.BoolVar(&o.Versions, "versions", false, "add each key's older versions, and deleted keys")
	o.Timeout = 0
	f.Lookup("timeout").DefValue = "0s"
	return cmd
}

func runExport(o *exportOptions) error {
	ctx, cancel := o.context()
	defer cancel()
	q := url.Values{}
	if o.UniverseID != 0 {
		q.Set("universe", strconv.FormatInt(o.UniverseID, 10))
	}
	if o.Store != "" {
		q.Set("store", o.Store)
	}
	if o.Versions {
		q.Set("versions", "true")
	}
	resp, err := o.harnessHTTP().request(ctx, http.MethodGet, "export", q, nil, 0)
	if err != nil {
		return o.failure(err)
	}
	defer resp.Body.Close()
	if o.File == "" || o.File == "-" {
		if _, err := io.Copy(o.stdout, resp.Body); err != nil {
			return o.failure(fmt.Errorf("export cut short: %w", err))
		}
		return nil
	}
	n, err := writeFileAtomic(o.File, func(w io.Writer) error {
		bar := newProgressBar(o.stderr, "export", -1)
		defer bar.finish()
		_, err := io.Copy(&progressWriter{w: w, bar: bar}, resp.Body)
		return err
	})
	if err != nil {
		return o.failure(fmt.Errorf("export to %s: %w", o.File, err))
	}
	if o.JSON {
		return writeJSON(o.stdout, map[string]any{"file": o.File, "bytes": n})
	}
	_, err = fmt.Fprintf(o.stderr, "exported to %s (%s)\n", o.File, humanBytes(n))
	return err
}

// writeFileAtomic writes path through a temporary file beside it, renamed
// over path only once write has succeeded: a failed export never leaves a
// truncated document where a good one was.
func writeFileAtomic(path string, write func(io.Writer) error) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, nothing is there
	cw := &byteCounter{w: tmp}
	if err := write(cw); err != nil {
		_ = tmp.Close()
		return 0, err
	}
	if err := tmp.Close(); err != nil {
		return 0, err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return 0, err
	}
	return cw.n, os.Rename(tmp.Name(), path)
}

// byteCounter counts the bytes written through it.
type byteCounter struct {
	w io.Writer
	n int64
}

func (c *byteCounter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
