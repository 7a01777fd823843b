// Package migrations embeds the versioned SQL migrations (goose format: one file per
// version with "-- +goose Up" and "-- +goose Down" sections). They run as the owner
// role; RLS policies and grants live here, next to the tables they protect.
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS
