package console

import (
	"io/fs"
	"testing"
)

func TestFilesKeepsPlaceholder(t *testing.T) {
	t.Parallel()
	// The placeholder must survive `npm run build`, or a fresh clone stops compiling once dist/ is emptied.
	if _, err := fs.Stat(Files(), ".keep"); err != nil {
		t.Fatalf("dist/.keep missing from the embedded files: %v", err)
	}
}

func TestBuiltHasIndexWhenBuilt(t *testing.T) {
	t.Parallel()
	if !Built() {
		t.Skip("console not built (run npm run build in apps/console)")
	}
	b, err := fs.ReadFile(Files(), "index.html")
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 {
		t.Fatal("index.html is empty")
	}
}
