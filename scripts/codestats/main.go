// Command codestats prints the evidence the refactoring issues ask for: Go lines per
// package (non-test and test files) and the longest Go functions, so that a change can be
// measured before and after with the same instrument.
//
//	go run ./scripts/codestats [-top 15] [-pkgs] [-funcs] [dir]
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type pkgSize struct {
	dir         string
	files, code int
	tests       int
}

type fn struct {
	name  string
	pos   string
	lines int
}

func main() {
	top := flag.Int("top", 15, "how many of the longest functions to list")
	pkgs := flag.Bool("pkgs", true, "print lines per package")
	funcs := flag.Bool("funcs", true, "print the longest functions")
	flag.Parse()
	root := "."
	if flag.NArg() > 0 {
		root = flag.Arg(0)
	}
	sizes := map[string]*pkgSize{}
	var fns []fn
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n := strings.Count(string(src), "\n")
		dir := filepath.Dir(path)
		s := sizes[dir]
		if s == nil {
			s = &pkgSize{dir: dir}
			sizes[dir] = s
		}
		s.files++
		if strings.HasSuffix(path, "_test.go") {
			s.tests += n
			return nil
		}
		s.code += n
		f, err := parser.ParseFile(fset, path, src, 0)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			d, ok := decl.(*ast.FuncDecl)
			if !ok || d.Body == nil {
				continue
			}
			name := d.Name.Name
			if d.Recv != nil && len(d.Recv.List) > 0 {
				name = recvName(d.Recv.List[0].Type) + "." + name
			}
			start, end := fset.Position(d.Pos()), fset.Position(d.End())
			fns = append(fns, fn{name: name, pos: fmt.Sprintf("%s:%d", path, start.Line), lines: end.Line - start.Line + 1})
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if *pkgs {
		list := make([]*pkgSize, 0, len(sizes))
		for _, s := range sizes {
			list = append(list, s)
		}
		sort.Slice(list, func(i, j int) bool { return list[i].dir < list[j].dir })
		fmt.Printf("%-40s %8s %8s %6s\n", "package", "code", "tests", "files")
		var code, tests int
		for _, s := range list {
			fmt.Printf("%-40s %8d %8d %6d\n", s.dir, s.code, s.tests, s.files)
			code += s.code
			tests += s.tests
		}
		fmt.Printf("%-40s %8d %8d\n\n", "total", code, tests)
	}
	if *funcs {
		sort.SliceStable(fns, func(i, j int) bool { return fns[i].lines > fns[j].lines })
		if len(fns) > *top {
			fns = fns[:*top]
		}
		fmt.Printf("%d longest functions (lines)\n", len(fns))
		for _, f := range fns {
			fmt.Printf("%5d  %-45s %s\n", f.lines, f.name, f.pos)
		}
	}
}

func recvName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return recvName(t.X)
	case *ast.IndexExpr:
		return recvName(t.X)
	case *ast.IndexListExpr:
		return recvName(t.X)
	case *ast.Ident:
		return t.Name
	}
	return "?"
}
