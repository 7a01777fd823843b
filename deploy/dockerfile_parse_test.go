package deploy

// A small Dockerfile parser for the checks in dockerfile_test.go. BuildKit's own parser
// (github.com/moby/buildkit/frontend/dockerfile/parser) would bring BuildKit's ~235
// requirements into go.mod, so this follows the Dockerfile reference instead:
// parser directives (escape), comments, line continuations (also across comment and
// blank lines), exec (JSON) and shell forms, --flags, ARG/ENV/LABEL key=value lists with
// quotes, and ${VAR}, ${VAR:-default}, ${VAR:+alt} expansion. Heredocs are refused
// rather than misread.

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// instruction is one Dockerfile instruction after continuations are joined.
type instruction struct {
	Cmd   string            // upper case: FROM, RUN, …
	Flags map[string]string // --platform=…, --from=…, --chown=…
	Args  string            // the rest, flags removed, as written
	JSON  []string          // exec form when the rest is a JSON array of strings
	Line  int               // line of the instruction's first line (1-based)
}

// stage is a FROM and what follows it.
type stage struct {
	From         instruction
	Image, Name  string
	Instructions []instruction
}

type dockerfile struct {
	GlobalArgs map[string]string // ARGs before the first FROM (with defaults)
	Stages     []stage
}

var (
	directiveRE = regexp.MustCompile(`^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`)
	heredocRE   = regexp.MustCompile(`<<-?\s*["']?[A-Za-z_][A-Za-z0-9_]*["']?\s*$`)
)

func parseDockerfile(src string) (*dockerfile, error) {
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	escape := '\\'
	// Parser directives: only at the very top, before any comment, blank or instruction.
	start := 0
	for start < len(lines) {
		m := directiveRE.FindStringSubmatch(lines[start])
		if m == nil {
			break
		}
		if strings.EqualFold(m[1], "escape") {
			if m[2] != "`" && m[2] != `\` {
				return nil, fmt.Errorf("line %d: invalid escape %q", start+1, m[2])
			}
			escape = rune(m[2][0])
		}
		start++
	}

	var (
		instrs  []instruction
		buf     strings.Builder
		first   int
		pending bool
	)
	flush := func() error {
		text := strings.TrimSpace(buf.String())
		buf.Reset()
		pending = false
		if text == "" {
			return nil
		}
		in, err := parseInstruction(text, first)
		if err != nil {
			return err
		}
		instrs = append(instrs, in)
		return nil
	}
	for i := start; i < len(lines); i++ {
		line := lines[i]
		trimmed := strings.TrimLeftFunc(line, unicode.IsSpace)
		if strings.HasPrefix(trimmed, "#") {
			continue // a comment, even inside a continuation
		}
		if strings.TrimSpace(line) == "" {
			continue // blank lines end nothing, even inside a continuation
		}
		if !pending {
			first = i + 1
		}
		body := strings.TrimRightFunc(line, unicode.IsSpace)
		if strings.HasSuffix(body, string(escape)) {
			buf.WriteString(strings.TrimSuffix(body, string(escape)))
			pending = true
			continue
		}
		buf.WriteString(body)
		if heredocRE.MatchString(body) {
			return nil, fmt.Errorf("line %d: heredocs are not supported by this parser", i+1)
		}
		if err := flush(); err != nil {
			return nil, err
		}
	}
	if pending {
		return nil, fmt.Errorf("line %d: the file ends inside a line continuation", first)
	}

	df := &dockerfile{GlobalArgs: map[string]string{}}
	for _, in := range instrs {
		if in.Cmd == "FROM" {
			fields := strings.Fields(in.Args)
			st := stage{From: in}
			switch {
			case len(fields) == 1:
				st.Image = fields[0]
			case len(fields) == 3 && strings.EqualFold(fields[1], "AS"):
				st.Image, st.Name = fields[0], strings.ToLower(fields[2])
			default:
				return nil, fmt.Errorf("line %d: malformed FROM %q", in.Line, in.Args)
			}
			df.Stages = append(df.Stages, st)
			continue
		}
		if len(df.Stages) == 0 {
			if in.Cmd != "ARG" {
				return nil, fmt.Errorf("line %d: %s before the first FROM", in.Line, in.Cmd)
			}
			kv, err := parseKeyValues(in.Args, true)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", in.Line, err)
			}
			for _, p := range kv {
				df.GlobalArgs[p[0]] = p[1]
			}
			continue
		}
		last := &df.Stages[len(df.Stages)-1]
		last.Instructions = append(last.Instructions, in)
	}
	if len(df.Stages) == 0 {
		return nil, fmt.Errorf("no FROM")
	}
	return df, nil
}

var knownInstructions = map[string]bool{
	"ADD": true, "ARG": true, "CMD": true, "COPY": true, "ENTRYPOINT": true, "ENV": true,
	"EXPOSE": true, "FROM": true, "HEALTHCHECK": true, "LABEL": true, "MAINTAINER": true,
	"ONBUILD": true, "RUN": true, "SHELL": true, "STOPSIGNAL": true, "USER": true,
	"VOLUME": true, "WORKDIR": true,
}

func parseInstruction(text string, line int) (instruction, error) {
	cmd, rest := text, ""
	if i := strings.IndexFunc(text, unicode.IsSpace); i >= 0 {
		cmd, rest = text[:i], text[i:]
	}
	in := instruction{Cmd: strings.ToUpper(cmd), Flags: map[string]string{}, Line: line}
	if !knownInstructions[in.Cmd] {
		return in, fmt.Errorf("line %d: unknown instruction %q", line, cmd)
	}
	rest = strings.TrimSpace(rest)
	// Flags come first: --name=value or --name.
	for strings.HasPrefix(rest, "--") {
		word, after := rest, ""
		if i := strings.IndexFunc(rest, unicode.IsSpace); i >= 0 {
			word, after = rest[:i], rest[i:]
		}
		name, value, _ := strings.Cut(strings.TrimPrefix(word, "--"), "=")
		in.Flags[name] = value
		rest = strings.TrimSpace(after)
	}
	in.Args = rest
	if strings.HasPrefix(rest, "[") {
		var arr []string
		if err := json.Unmarshal([]byte(rest), &arr); err == nil {
			in.JSON = arr
		}
	}
	return in, nil
}

// parseKeyValues reads ARG/ENV/LABEL arguments: key=value pairs (values may be quoted),
// the legacy single "key value" form (ENV, LABEL), or bare names (ARG, no default).
func parseKeyValues(s string, isArg bool) ([][2]string, error) {
	words, err := shellWords(s)
	if err != nil {
		return nil, err
	}
	if len(words) == 0 {
		return nil, fmt.Errorf("no arguments")
	}
	if !strings.Contains(words[0].raw, "=") && !isArg {
		// Legacy form: the first word is the key, the rest of the line its value.
		key := words[0].text
		value := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), words[0].raw))
		return [][2]string{{key, unquote(value)}}, nil
	}
	var out [][2]string
	for _, w := range words {
		k, v, ok := strings.Cut(w.text, "=")
		if !ok && !isArg {
			return nil, fmt.Errorf("%q is not key=value", w.raw)
		}
		out = append(out, [2]string{k, v})
	}
	return out, nil
}

type word struct{ raw, text string }

// shellWords splits on unquoted white space, removing quotes and backslash escapes.
func shellWords(s string) ([]word, error) {
	var (
		out        []word
		raw, text  strings.Builder
		quote      rune
		inWord     bool
		escapeNext bool
	)
	end := func() {
		if inWord {
			out = append(out, word{raw.String(), text.String()})
		}
		raw.Reset()
		text.Reset()
		inWord = false
	}
	for _, r := range s {
		switch {
		case escapeNext:
			raw.WriteRune(r)
			text.WriteRune(r)
			escapeNext = false
		case r == '\\' && quote != '\'':
			raw.WriteRune(r)
			escapeNext, inWord = true, true
		case quote != 0:
			raw.WriteRune(r)
			if r == quote {
				quote = 0
			} else {
				text.WriteRune(r)
			}
		case r == '"' || r == '\'':
			raw.WriteRune(r)
			quote, inWord = r, true
		case unicode.IsSpace(r):
			end()
		default:
			raw.WriteRune(r)
			text.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated quote in %q", s)
	}
	end()
	return out, nil
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

var varRE = regexp.MustCompile(`\$(\{([A-Za-z_][A-Za-z0-9_]*)(:?[-+][^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))`)

// expand substitutes $VAR, ${VAR}, ${VAR:-default} and ${VAR:+alt} from vars; an unset
// variable expands to the empty string, as in Docker.
func expand(s string, vars map[string]string) string {
	return varRE.ReplaceAllStringFunc(s, func(m string) string {
		g := varRE.FindStringSubmatch(m)
		name, mod := g[2], g[3]
		if name == "" {
			name = g[4]
		}
		v, set := vars[name]
		switch {
		case strings.HasPrefix(mod, ":-"):
			if v == "" {
				return mod[2:]
			}
		case strings.HasPrefix(mod, "-"):
			if !set {
				return mod[1:]
			}
		case strings.HasPrefix(mod, ":+"):
			if v != "" {
				return mod[2:]
			}
			return ""
		case strings.HasPrefix(mod, "+"):
			if set {
				return mod[1:]
			}
			return ""
		}
		return v
	})
}

// scope returns the variables visible at the end of a stage: the global ARGs it
// redeclares, its own ARGs (defaults) and ENVs.
func (df *dockerfile) scope(st stage) map[string]string {
	vars := map[string]string{}
	for _, in := range st.Instructions {
		switch in.Cmd {
		case "ARG":
			kv, _ := parseKeyValues(in.Args, true)
			for _, p := range kv {
				if p[1] == "" && !strings.Contains(in.Args, p[0]+"=") {
					vars[p[0]] = df.GlobalArgs[p[0]]
				} else {
					vars[p[0]] = expand(p[1], vars)
				}
			}
		case "ENV":
			kv, _ := parseKeyValues(in.Args, false)
			for _, p := range kv {
				vars[p[0]] = expand(p[1], vars)
			}
		}
	}
	return vars
}

// imageRef splits "registry/repo:tag@digest".
func imageRef(ref string) (repo, tag, digest string) {
	repo, digest, _ = strings.Cut(ref, "@")
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo, tag = repo[:i], repo[i+1:]
	}
	return repo, tag, digest
}
