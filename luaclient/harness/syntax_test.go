package harness_test

// Every .lua file under luaclient/ must be in the Lua 5.1 subset that Luau
// also accepts (style.md 13), so that Studio loads it and gopher-lua runs it:
// each file must parse as Lua 5.1, and its code (strings and comments taken
// out) must hold none of Luau's or Lua 5.2+'s extra syntax.

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/yuin/gopher-lua/parse"
)

// stripLua blanks out comments and string literals (short and long), keeping
// line breaks so that line numbers stay right.
func stripLua(src string) string {
	var b strings.Builder
	blank := func(s string) {
		for _, r := range s {
			if r == '\n' {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		}
	}
	longOpen := regexp.MustCompile(`^\[(=*)\[`)
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case strings.HasPrefix(src[i:], "--"):
			rest := src[i+2:]
			if m := longOpen.FindStringSubmatch(rest); m != nil {
				closer := "]" + m[1] + "]"
				end := strings.Index(rest[len(m[0]):], closer)
				n := len(src) - i
				if end >= 0 {
					n = 2 + len(m[0]) + end + len(closer)
				}
				blank(src[i : i+n])
				i += n
				continue
			}
			end := strings.IndexByte(src[i:], '\n')
			if end < 0 {
				end = len(src) - i
			}
			blank(src[i : i+end])
			i += end
		case c == '[' && longOpen.MatchString(src[i:]):
			m := longOpen.FindStringSubmatch(src[i:])
			closer := "]" + m[1] + "]"
			end := strings.Index(src[i+len(m[0]):], closer)
			n := len(src) - i
			if end >= 0 {
				n = len(m[0]) + end + len(closer)
			}
			b.WriteString(`""`)
			blank(src[i+2 : i+n])
			i += n
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(src) && src[j] != c && src[j] != '\n' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			b.WriteString(`""`)
			if j+1 <= len(src) {
				blank(src[i+2 : min(j+1, len(src))])
			}
			i = j + 1
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

var forbidden = []struct {
	what string
	re   *regexp.Regexp
}{
	{"compound assignment (+=, -=, ...)", regexp.MustCompile(`(\.\.|[-+*/%^])=`)},
	{"continue", regexp.MustCompile(`(^|[^\w.:])continue\b`)},
	{"string interpolation (backticks)", regexp.MustCompile("`")},
	{"floor division (//)", regexp.MustCompile(`//`)},
	{"type annotation in a parameter list", regexp.MustCompile(`function\b[\w.: ]*\(([^)]*\w\s*:\s*[\w{(])`)},
	{"return type annotation", regexp.MustCompile(`function\b[\w.: ]*\([^)]*\)\s*:\s*[\w{(]`)},
	{"type annotation on a local", regexp.MustCompile(`\blocal\s+\w+(\s*,\s*\w+)*\s*:\s*[\w{(]`)},
	{"type declaration", regexp.MustCompile(`(?m)^\s*(export\s+)?type\s+\w+.*=`)},
	{"goto or a label", regexp.MustCompile(`\bgoto\b|::\w+::`)},
	{"if-then-else expression", regexp.MustCompile(`=\s*if\b`)},
}

// luaProblems lists the subset violations of one file's source.
func luaProblems(name, src string) []string {
	var out []string
	if _, err := parse.Parse(strings.NewReader(src), name); err != nil {
		out = append(out, "does not parse as Lua 5.1: "+err.Error())
	}
	code := stripLua(src)
	for _, f := range forbidden {
		for _, loc := range f.re.FindAllStringIndex(code, -1) {
			line := strings.Count(code[:loc[0]], "\n") + 1
			out = append(out, name+":"+strconv.Itoa(line)+": "+f.what)
		}
	}
	return out
}

func TestLuaIsInTheSubset(t *testing.T) {
	root := luaclientDir(t)
	count := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".lua") {
			return err
		}
		count++
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		for _, p := range luaProblems(rel, string(src)) {
			t.Error(p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if count < 10 {
		t.Fatalf("only %d .lua files found under %s", count, root)
	}
}

// The checker itself must catch what it is for.
func TestLuaSubsetCheckerCatches(t *testing.T) {
	bad := map[string]string{
		"compound":    "local x = 1\nx += 1\n",
		"concat":      "local s = ''\ns ..= 'a'\n",
		"continue":    "for i = 1, 2 do\n  if i then continue end\nend\n",
		"interp":      "local s = `a{1}`\n",
		"floordiv":    "local x = 7 // 2\n",
		"param type":  "local function f(a: string) end\n",
		"return type": "local function f(a): number return 1 end\n",
		"local type":  "local n: number = 1\n",
		"type decl":   "type Point = { x: number }\n",
		"goto":        "goto done\n::done::\n",
		"if expr":     "local x = if true then 1 else 2\n",
	}
	for name, src := range bad {
		if len(luaProblems(name, src)) == 0 {
			t.Errorf("%s: not caught:\n%s", name, src)
		}
	}
	good := "-- x += 1 in a comment, `ticks`, a // b\nlocal s = \"x += 1 // `y` continue\"\nlocal t = [[\nlocal n: number\n]]\nlocal ok = a ~= b and a <= b and a == b\nlocal m = obj:method(1)\nlocal u = t.continue\n"
	if p := luaProblems("good", good); len(p) > 0 {
		t.Errorf("false alarms: %v", p)
	}
}
