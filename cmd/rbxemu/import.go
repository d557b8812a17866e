package main

// rbxemu import: load an export document (rbxemu's format, or
// MockDataStoreService's ExportToJSON) into the daemon, streamed to
// POST /_emulator/import. Also the progress bar that import and export show
// on a terminal, and the seeding of `serve --seed` and `exec --seed`.

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/rbxemu/rbxemu/emulator/admin"
	"github.com/rbxemu/rbxemu/emulator/server"
)

func init() {
	commands = append(commands, func() *cobra.Command { return newImportCmd(nil) })
}

// importOptions are the arguments of rbxemu import.
type importOptions struct {
	connOptions
	File       string
	Replace    bool
	UniverseID int64
}

func newImportCmd(runF func(*importOptions) error) *cobra.Command {
	if runF == nil {
		runF = runImport
	}
	o := &importOptions{}
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Load an export document (or a MockDataStoreService export) into the store",
		Long: `Load FILE ("-" for stdin) into the daemon's store. FILE is a document written by
rbxemu export, or the JSON of MockDataStoreService's ExportToJSON (its data stores,
GlobalDataStore and ordered data stores go to universe 1, or to --universe).

The whole document is validated first, every value by the rules SetAsync applies,
and nothing is written unless all of it is valid: an invalid entry is reported
with its place in the document. Each key of the document replaces the key of the
same name, history included; other keys stay, unless --replace empties the store
first (with --universe, that universe only). docs/harness.md describes the format.`,
		Example: `  rbxemu import fixture.json --replace
  rbxemu import mock-export.json --universe 42`,
		Args: argsBetween(1, 1, "FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.prepareHarness(cmd); err != nil {
				return err
			}
			if err := checkUniverseFlag(cmd.Flags(), o.UniverseID); err != nil {
				return usageError(cmd, err)
			}
			o.File = args[0]
			return runF(o)
		},
	}
	bindConn(cmd, &o.connOptions, false)
	f := cmd.Flags()
	bindUniverseFlag(f, &o.UniverseID, "for a MockDataStoreService document, the universe it goes to (default 1); for an rbxemu document, the one universe to load (default all)")
	f.BoolVar(&o.Replace, "replace", false, "empty the store (or --universe) before loading")
	// Large documents take a while; a command that gives up midway would
	// leave the daemon importing for nobody.
	o.Timeout = 0
	f.Lookup("timeout").DefValue = "0s"
	return cmd
}

func runImport(o *importOptions) error {
	var in io.Reader
	size := int64(-1)
	if o.File == "-" {
		in = o.stdin
	} else {
		f, err := os.Open(o.File)
		if err != nil {
			return usagef("import: %v", err)
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			size = st.Size()
		}
		in = f
	}
	bar := newProgressBar(o.stderr, "import", size)
	defer bar.finish()
	q := url.Values{}
	if o.Replace {
		q.Set("replace", "true")
	}
	if o.UniverseID != 0 {
		q.Set("universe", strconv.FormatInt(o.UniverseID, 10))
	}
	ctx, cancel := o.context()
	defer cancel()
	body := io.Reader(&progressReader{r: in, bar: bar})
	if size < 0 {
		// Unknown length: sent chunked.
		body = io.NopCloser(body)
	}
	resp, err := o.harnessHTTP().request(ctx, http.MethodPost, "import", q, body, max(size, 0))
	bar.finish()
	if err != nil {
		return o.failure(err)
	}
	defer resp.Body.Close()
	var st admin.ImportStats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return o.failure(fmt.Errorf("import: unexpected answer from the daemon: %w", err))
	}
	if o.JSON {
		return writeJSON(o.stdout, st)
	}
	_, err = fmt.Fprintln(o.stdout, importSummary(st))
	return err
}

// importSummary says what an import wrote, for people.
func importSummary(st admin.ImportStats) string {
	format := "rbxemu"
	if st.Format == admin.MockFormatName {
		format = "MockDataStoreService"
	}
	parts := []string{countOf(st.Keys, "key")}
	if st.Versions > 0 {
		parts = append(parts, countOf(st.Versions, "older version"))
	}
	if st.Entries > 0 {
		parts = append(parts, countOf(st.Entries, "ordered entry"))
	}
	return fmt.Sprintf("imported %s in %s (%s format)", strings.Join(parts, ", "), countOf(st.Stores, "data store"), format)
}

// countOf is "1 key", "2 keys", "3 ordered entries".
func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if len(noun) > 1 && noun[len(noun)-1] == 'y' && !strings.ContainsRune("aeiou", rune(noun[len(noun)-2])) {
		return strconv.Itoa(n) + " " + strings.TrimSuffix(noun, "y") + "ies"
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// seedServer loads a fixture into a daemon before it accepts connections
// (serve --seed, exec --seed).
func seedServer(srv *server.Server, path string, log *slog.Logger) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("--seed: %w", err)
	}
	st, err := admin.ImportFile(srv.Engine(), path, admin.ImportOptions{})
	if err != nil {
		return fmt.Errorf("--seed %s: %w", path, err)
	}
	log.Info("seeded", "file", path, "format", st.Format, "stores", st.Stores, "keys", st.Keys, "versions", st.Versions, "orderedEntries", st.Entries)
	return nil
}

// progressBar draws how far a transfer is on a terminal: bytes done of the
// total, redrawn at most ten times a second. Off the terminal, or for a
// document under a megabyte, it draws nothing.
type progressBar struct {
	w     io.Writer
	label string
	total int64 // -1: unknown

	mu    sync.Mutex
	on    bool
	done  int64
	last  time.Time
	ended bool
}

// progressMinBytes is the size from which a progress bar is worth drawing.
const progressMinBytes = 1 << 20

func newProgressBar(w io.Writer, label string, total int64) *progressBar {
	on := isTerminal(writerFile(w)) && (total < 0 || total >= progressMinBytes)
	return &progressBar{w: w, label: label, total: total, on: on}
}

// writerFile lets isTerminal look at a writer.
func writerFile(w io.Writer) io.Reader {
	if f, ok := w.(*os.File); ok {
		return f
	}
	return nil
}

func (p *progressBar) add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += int64(n)
	if !p.on || p.ended || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.draw()
}

func (p *progressBar) draw() {
	if p.total > 0 {
		const width = 30
		frac := min(float64(p.done)/float64(p.total), 1)
		fill := int(frac * width)
		fmt.Fprintf(p.w, "\r%s %3d%% [%s%s] %s / %s ", p.label, int(frac*100),
			strings.Repeat("=", fill), strings.Repeat(" ", width-fill), humanBytes(p.done), humanBytes(p.total))
		return
	}
	fmt.Fprintf(p.w, "\r%s %s ", p.label, humanBytes(p.done))
}

// finish draws the last state and ends the line. Safe to call twice.
func (p *progressBar) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.on || p.ended {
		return
	}
	p.ended = true
	p.draw()
	fmt.Fprintln(p.w)
}

// humanBytes is a size for people: 512 B, 12.3 kB, 4.0 MB.
func humanBytes(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1000*1000:
		return strconv.FormatFloat(float64(n)/1000, 'f', 1, 64) + " kB"
	case n < 1000*1000*1000:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " MB"
	}
	return strconv.FormatFloat(float64(n)/1e9, 'f', 2, 64) + " GB"
}

// progressReader counts what is read through it on a bar.
type progressReader struct {
	r   io.Reader
	bar *progressBar
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.bar.add(n)
	return n, err
}

// progressWriter counts what is written through it on a bar.
type progressWriter struct {
	w   io.Writer
	bar *progressBar
}

func (p *progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.bar.add(n)
	return n, err
}
