// Package deploy holds the tests of the deployment artefacts: the Helm chart under
// charts/sunshine (rendered in-process with the Helm SDK and decoded with the Kubernetes
// API types) and the Dockerfile (parsed and checked, since no Docker engine runs here).
// It has no production code; everything is in the _test.go files.
package deploy
