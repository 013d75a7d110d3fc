package topology

import (
	"fmt"
	"regexp"
	"strings"
)

// An image reference as Docker reads it, after the grammar of
// github.com/distribution/reference (docker's "reference" package):
//
//	reference := name [ ":" tag ] [ "@" digest ]
//	name      := [ domain "/" ] path-component { "/" path-component }
//	domain    := host [ ":" port ]      host: DNS name or [IPv6]
//	path-component := [a-z0-9]+ { separator [a-z0-9]+ }
//	separator := "." | "_" | "__" | "-"+
//	tag       := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
//	digest    := algorithm ":" hex{32,}
//
// Only the grammar is checked here; whether the image exists is for
// `nomadbox box build` and the provider.
var (
	domainComponent = `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])`
	imageDomain     = `(?:` + domainComponent + `(?:\.` + domainComponent + `)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?`
	pathComponent   = `[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`
	imageName       = `(?:` + imageDomain + `/)?` + pathComponent + `(?:/` + pathComponent + `)*`
	imageTag        = `[\w][\w.-]{0,127}`
	imageDigest     = `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}`
	imageReference  = regexp.MustCompile(`^(` + imageName + `)(?::` + imageTag + `)?(?:@` + imageDigest + `)?$`)
)

// maxImageName is the longest repository name the grammar allows.
const maxImageName = 255

// CheckImageReference says what is wrong with ref, or "" when it is a
// valid image reference.
func CheckImageReference(ref string) string {
	m := imageReference.FindStringSubmatch(ref)
	switch {
	case ref == "":
		return "is empty"
	case strings.ContainsFunc(ref, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return "contains spaces or control characters"
	case m == nil && imageReference.MatchString(lowerName(ref)):
		return "has upper-case letters in its repository name, which must be lower-case"
	case m == nil:
		return "does not follow the form [REGISTRY/]NAME[:TAG][@DIGEST]"
	case len(m[1]) > maxImageName:
		return fmt.Sprintf("has a name longer than %d characters", maxImageName)
	}
	return ""
}

// lowerName lower-cases the part of ref before its tag or digest, to
// tell a capitalised name from other mistakes.
func lowerName(ref string) string {
	end := len(ref)
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		end = i
	}
	if i := strings.LastIndexByte(ref[:end], ':'); i > strings.LastIndexByte(ref[:end], '/') {
		end = i
	}
	return strings.ToLower(ref[:end]) + ref[end:]
}
