package deploy

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const dockerfilePath = "../Dockerfile"

func loadDockerfile(t *testing.T) *dockerfile {
	t.Helper()
	src, err := os.ReadFile(dockerfilePath)
	if err != nil {
		t.Fatal(err)
	}
	df, err := parseDockerfile(string(src))
	if err != nil {
		t.Fatalf("parse %s: %v", dockerfilePath, err)
	}
	return df
}

var fullVersionTag = regexp.MustCompile(`^v?[0-9]+\.[0-9]+\.[0-9]+([-._][0-9A-Za-z.-]+)?$`)
var digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// Every base image is pinned: a full version tag (never latest, never untagged), or a
// digest. distroless publishes no version tags: its Debian release is in the image name
// (static-debian12) and the tag names the variant, so there a variant tag or a digest is
// the pin.
func TestDockerfileBaseImagesPinned(t *testing.T) {
	df := loadDockerfile(t)
	if len(df.Stages) < 3 {
		t.Fatalf("%d stages, want the console, binary and runtime stages", len(df.Stages))
	}
	stageNames := map[string]bool{}
	for _, st := range df.Stages {
		ref := expand(st.Image, df.GlobalArgs)
		if stageNames[strings.ToLower(ref)] {
			stageNames[st.Name] = true
			continue // built on an earlier stage
		}
		repo, tag, digest := imageRef(ref)
		switch {
		case digest != "":
			if !digestRE.MatchString(digest) {
				t.Errorf("line %d: FROM %s: malformed digest", st.From.Line, ref)
			}
		case tag == "" || tag == "latest":
			t.Errorf("line %d: FROM %s is not pinned (no tag, or latest)", st.From.Line, ref)
		case strings.HasPrefix(repo, "gcr.io/distroless/"):
			if !regexp.MustCompile(`-debian[0-9]+$`).MatchString(repo) || !slices.Contains([]string{"nonroot", "nonroot-amd64", "nonroot-arm64"}, tag) {
				t.Errorf("line %d: FROM %s: want a Debian-pinned distroless image with the nonroot variant (or a digest)", st.From.Line, ref)
			}
		case !fullVersionTag.MatchString(strings.SplitN(tag, "-", 2)[0]):
			t.Errorf("line %d: FROM %s: the tag does not start with a full version (x.y.z)", st.From.Line, ref)
		}
		if st.Name != "" {
			stageNames[st.Name] = true
		}
	}
	// The builders are the ones the project uses.
	wantBase := map[string]string{"node": `^20\.[0-9]+\.[0-9]+-bookworm-slim$`, "golang": `^1\.26\.[0-9]+-bookworm$`}
	for _, st := range df.Stages[:len(df.Stages)-1] {
		repo, tag, _ := imageRef(expand(st.Image, df.GlobalArgs))
		if re, ok := wantBase[repo]; ok {
			if !regexp.MustCompile(re).MatchString(tag) {
				t.Errorf("line %d: %s:%s, want a tag matching %s", st.From.Line, repo, tag, re)
			}
			delete(wantBase, repo)
		}
	}
	for repo := range wantBase {
		t.Errorf("no build stage FROM %s", repo)
	}
}

// The final stage runs the sunshine binary, as a non-root user, exposing only 8080, and
// carries the OCI labels.
func TestDockerfileRuntimeStage(t *testing.T) {
	df := loadDockerfile(t)
	final := df.Stages[len(df.Stages)-1]
	vars := df.scope(final)
	last := func(cmd string) (instruction, bool) {
		var found instruction
		ok := false
		for _, in := range final.Instructions {
			if in.Cmd == cmd {
				found, ok = in, true
			}
		}
		return found, ok
	}

	user, ok := last("USER")
	if !ok {
		t.Error("the final stage sets no USER (it would run as the base image's user)")
	} else {
		name, _, _ := strings.Cut(expand(user.Args, vars), ":")
		if name == "" || name == "root" || name == "0" {
			t.Errorf("line %d: USER %q is root", user.Line, user.Args)
		}
		if name != "65532" && name != "nonroot" {
			t.Errorf("line %d: USER %q, want 65532 (distroless nonroot; the chart runs as 65532)", user.Line, user.Args)
		}
	}

	ep, ok := last("ENTRYPOINT")
	if !ok || ep.JSON == nil {
		t.Fatalf("ENTRYPOINT must be in exec (JSON) form: %+v", ep)
	}
	if !slices.Equal(ep.JSON, []string{"/usr/local/bin/sunshine"}) {
		t.Errorf("ENTRYPOINT %v, want [\"/usr/local/bin/sunshine\"]", ep.JSON)
	}
	if cmd, ok := last("CMD"); !ok || !slices.Equal(cmd.JSON, []string{"api"}) {
		t.Errorf("CMD %+v, want [\"api\"] in exec form", cmd)
	}
	copied := false
	for _, in := range final.Instructions {
		if in.Cmd == "COPY" && strings.HasSuffix(strings.TrimSpace(in.Args), " /usr/local/bin/sunshine") && in.Flags["from"] != "" {
			copied = true
		}
	}
	if !copied {
		t.Error("the final stage does not COPY the built binary to /usr/local/bin/sunshine")
	}

	var ports []string
	for _, in := range final.Instructions {
		if in.Cmd == "EXPOSE" {
			for _, p := range strings.Fields(expand(in.Args, vars)) {
				ports = append(ports, strings.TrimSuffix(p, "/tcp"))
			}
		}
	}
	if !slices.Equal(ports, []string{"8080"}) {
		t.Errorf("EXPOSE %v, want only 8080", ports)
	}
	if vars["SUNSHINE_HTTP_ADDR"] != "0.0.0.0:8080" {
		t.Errorf("ENV SUNSHINE_HTTP_ADDR = %q, want 0.0.0.0:8080 (the binary defaults to loopback)", vars["SUNSHINE_HTTP_ADDR"])
	}

	labels := map[string]string{}
	for _, in := range final.Instructions {
		if in.Cmd != "LABEL" {
			continue
		}
		kv, err := parseKeyValues(in.Args, false)
		if err != nil {
			t.Fatalf("line %d: LABEL: %v", in.Line, err)
		}
		for _, p := range kv {
			labels[p[0]] = p[1]
		}
	}
	for _, key := range []string{"title", "description", "source", "licenses", "version", "revision", "created"} {
		raw, ok := labels["org.opencontainers.image."+key]
		if !ok {
			t.Errorf("no LABEL org.opencontainers.image.%s", key)
			continue
		}
		if key == "title" || key == "description" {
			if expand(raw, vars) == "" {
				t.Errorf("LABEL org.opencontainers.image.%s is empty", key)
			}
		}
		// version, revision and created come from build arguments.
		if key == "version" || key == "revision" || key == "created" {
			if !strings.Contains(raw, "$") {
				t.Errorf("LABEL org.opencontainers.image.%s = %q, want it from a build ARG", key, raw)
			}
		}
	}

	for name := range vars {
		if isSecretName(name) {
			t.Errorf("the image declares %s: secrets never go into an image", name)
		}
	}
	tenants := false
	for _, in := range final.Instructions {
		if in.Cmd == "COPY" && strings.Contains(in.Args, "/etc/sunshine/tenants") {
			tenants = true
		}
		if in.Cmd == "ADD" {
			t.Errorf("line %d: use COPY, not ADD", in.Line)
		}
	}
	if !tenants {
		t.Error("the tenant manifests are not copied to /etc/sunshine/tenants")
	}
}

// The build stages build the console and a static, trimmed binary with its version.
func TestDockerfileBuildStages(t *testing.T) {
	df := loadDockerfile(t)
	var all []string
	for _, st := range df.Stages {
		for _, in := range st.Instructions {
			all = append(all, in.Cmd+" "+in.Args)
		}
	}
	text := strings.Join(all, "\n")
	for _, want := range []string{"npm ci", "npm run build", "CGO_ENABLED=0", "-trimpath", "-X main.version=", "./apps/sunshine", "apps/console/dist"} {
		if !strings.Contains(text, want) {
			t.Errorf("the build does not contain %q", want)
		}
	}
	src, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	ignored := strings.Fields(string(src))
	for _, want := range []string{".git", "**/node_modules", ".sunshine", "bin"} {
		if !slices.Contains(ignored, want) {
			t.Errorf(".dockerignore lacks %s", want)
		}
	}
}

// The parser itself, on the constructs the checks rely on.
func TestDockerfileParser(t *testing.T) {
	src := "# escape=`\n" +
		"ARG BASE=alpine:3.20.1\n" +
		"FROM --platform=$BUILDPLATFORM ${BASE} AS Build\n" +
		"# a comment\n" +
		"RUN echo one `\n" +
		"  # a comment inside a continuation\n" +
		"\n" +
		"  two\n" +
		"FROM build\n" +
		"ARG V=1.0\n" +
		"ENV A=\"x y\" B=${V:-none} C=${UNSET:-dflt} D=${V:+set}\n" +
		"ENV LEGACY some value\n" +
		"LABEL \"k 1\"=\"v 1\" k2=v\\ 2\n" +
		"EXPOSE 8080/tcp\n" +
		"ENTRYPOINT [\"/bin/x\", \"y\"]\n" +
		"CMD run it\n"
	df, err := parseDockerfile(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(df.Stages) != 2 || df.GlobalArgs["BASE"] != "alpine:3.20.1" {
		t.Fatalf("stages %d, global args %v", len(df.Stages), df.GlobalArgs)
	}
	s0 := df.Stages[0]
	if s0.Name != "build" || expand(s0.Image, df.GlobalArgs) != "alpine:3.20.1" || s0.From.Flags["platform"] != "$BUILDPLATFORM" {
		t.Errorf("stage 0 = %+v", s0)
	}
	if len(s0.Instructions) != 1 || strings.Join(strings.Fields(s0.Instructions[0].Args), " ") != "echo one two" {
		t.Errorf("continuation: %+v", s0.Instructions)
	}
	vars := df.scope(df.Stages[1])
	want := map[string]string{"A": "x y", "B": "1.0", "C": "dflt", "D": "set", "LEGACY": "some value", "V": "1.0"}
	for k, v := range want {
		if vars[k] != v {
			t.Errorf("%s = %q, want %q", k, vars[k], v)
		}
	}
	ins := df.Stages[1].Instructions
	kv, err := parseKeyValues(ins[3].Args, false)
	if err != nil || len(kv) != 2 || kv[0] != [2]string{"k 1", "v 1"} || kv[1] != [2]string{"k2", "v 2"} {
		t.Errorf("LABEL = %v, %v", kv, err)
	}
	if !slices.Equal(ins[5].JSON, []string{"/bin/x", "y"}) || ins[6].JSON != nil {
		t.Errorf("exec/shell forms: %+v %+v", ins[5], ins[6])
	}
	if _, tag, _ := imageRef("registry:5000/a/b"); tag != "" {
		t.Errorf("a registry port is not a tag: %q", tag)
	}
	if repo, tag, digest := imageRef("gcr.io/x/y:nonroot@sha256:abc"); repo != "gcr.io/x/y" || tag != "nonroot" || digest != "sha256:abc" {
		t.Errorf("imageRef = %s %s %s", repo, tag, digest)
	}
	for _, bad := range []string{"RUN x\n", "FROM a\nRUN x \\\n", "FROM a\nRUN <<EOF\nx\nEOF\n", "FROM a\nFOO b\n"} {
		if _, err := parseDockerfile(bad); err == nil {
			t.Errorf("parsed %q without error", bad)
		}
	}
}
