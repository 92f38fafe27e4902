// Package kubernetes holds the Kubernetes manifest checks: every workload kind's pod template,
// RBAC, Services, Ingresses and Secrets, over yaml.v3 nodes so findings carry the key's line.
package kubernetes

import (
	"fmt"
	"regexp"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/tollgate-dev/tollgate/internal/misconfig/check"
	y "github.com/tollgate-dev/tollgate/internal/misconfig/yamldoc"
)

// IsManifest reports a mapping with apiVersion and kind.
func IsManifest(n *yaml.Node) bool {
	return y.Str(y.Val(n, "apiVersion")) != "" && y.Str(y.Val(n, "kind")) != ""
}

// Scan runs every check over the manifests of a stream; other documents are ignored.
func Scan(docs []y.Doc) []check.Hit {
	var hits []check.Hit
	for _, d := range docs {
		hits = append(hits, scanObject(d.Root, 0)...)
	}
	return hits
}

// obj is one manifest being checked.
type obj struct {
	kind, name, resource string
	line                 int
	hits                 []check.Hit
}

func (o *obj) add(id string, at *yaml.Node, key, msg string) {
	o.hits = append(o.hits, check.Hit{ID: id, Line: y.Line(at, o.line), Resource: o.resource, ResourceLine: o.line, Key: key, Message: msg})
}

func scanObject(n *yaml.Node, depth int) []check.Hit {
	if !IsManifest(n) || depth > 3 {
		return nil
	}
	kind := y.Str(y.Val(n, "kind"))
	if kind == "List" || strings.HasSuffix(kind, "List") {
		var hits []check.Hit
		for _, it := range y.Seq(y.Val(n, "items")) {
			hits = append(hits, scanObject(it, depth+1)...)
		}
		return hits
	}
	meta := y.Val(n, "metadata")
	name := y.Str(y.Val(meta, "name"))
	if name == "" {
		name = y.Str(y.Val(meta, "generateName"))
	}
	o := &obj{kind: kind, name: name, resource: kind + "/" + name, line: y.Line(n, 1)}
	if ns := y.Val(meta, "namespace"); y.Str(ns) == "default" {
		o.add("TG-K8S-022", ns, "metadata.namespace", fmt.Sprintf("%s is deployed to the default namespace", o.resource))
	}
	spec := y.Val(n, "spec")
	if strings.HasPrefix(y.Str(y.Val(n, "apiVersion")), "serving.knative.dev/") {
		// Knative Service and Configuration wrap a pod spec in spec.template like a Deployment;
		// they must not reach the core Service case below.
		if kind == "Service" || kind == "Configuration" {
			t := y.Val(spec, "template")
			checkPod(o, y.Val(t, "spec"), y.Val(t, "metadata"), "spec.template.spec")
		}
		return o.hits
	}
	switch kind {
	case "Pod":
		checkPod(o, spec, meta, "spec")
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job":
		t := y.Val(spec, "template")
		checkPod(o, y.Val(t, "spec"), y.Val(t, "metadata"), "spec.template.spec")
	case "CronJob":
		t := y.Path(spec, "jobTemplate", "spec", "template")
		checkPod(o, y.Val(t, "spec"), y.Val(t, "metadata"), "spec.jobTemplate.spec.template.spec")
	case "PodTemplate":
		t := y.Val(n, "template")
		checkPod(o, y.Val(t, "spec"), y.Val(t, "metadata"), "template.spec")
	case "Role", "ClusterRole":
		checkRules(o, y.Val(n, "rules"))
	case "RoleBinding", "ClusterRoleBinding":
		checkBinding(o, n)
	case "Service":
		checkService(o, spec)
	case "Ingress":
		if y.IsNull(y.Val(spec, "tls")) || len(y.Seq(y.Val(spec, "tls"))) == 0 {
			o.add("TG-K8S-037", firstNonNil(y.Val(spec, "rules"), spec), "spec.tls", "")
		}
	case "Secret":
		for _, k := range []string{"data", "stringData"} {
			kn, v := y.Get(n, k)
			if kn != nil && len(y.Pairs(v)) > 0 {
				o.add("TG-K8S-036", kn, k, fmt.Sprintf("Secret %s carries %d value(s) in %s", name, len(y.Pairs(v)), k))
				break
			}
		}
	}
	return o.hits
}

func firstNonNil(ns ...*yaml.Node) *yaml.Node {
	for _, n := range ns {
		if n != nil {
			return n
		}
	}
	return nil
}

var (
	dangerousCaps = map[string]bool{"ALL": true, "SYS_ADMIN": true, "NET_ADMIN": true, "SYS_PTRACE": true, "SYS_MODULE": true,
		"SYS_RAWIO": true, "DAC_READ_SEARCH": true, "SYS_BOOT": true, "BPF": true, "PERFMON": true, "SYS_TIME": true, "MAC_ADMIN": true, "MAC_OVERRIDE": true}
	safeSysctls = map[string]bool{"kernel.shm_rmid_forced": true, "net.ipv4.ip_local_port_range": true, "net.ipv4.ip_unprivileged_port_start": true,
		"net.ipv4.tcp_syncookies": true, "net.ipv4.ping_group_range": true, "net.ipv4.ip_local_reserved_ports": true,
		"net.ipv4.tcp_keepalive_time": true, "net.ipv4.tcp_fin_timeout": true, "net.ipv4.tcp_keepalive_intvl": true, "net.ipv4.tcp_keepalive_probes": true}
	runtimeSockets = []string{"docker.sock", "containerd.sock", "crio.sock", "cri-dockerd.sock", "/var/run/docker", "/run/containerd", "podman.sock"}
	secretEnvRe    = regexp.MustCompile(`(?i)(passw(or)?d|passwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?|client[_-]?secret)`)
	selinuxTypes   = map[string]bool{"container_t": true, "container_init_t": true, "container_kvm_t": true, "container_engine_t": true}
)

func checkPod(o *obj, spec, meta *yaml.Node, prefix string) {
	if spec == nil {
		return
	}
	for _, f := range []struct{ key, id string }{{"hostNetwork", "TG-K8S-003"}, {"hostPID", "TG-K8S-004"}, {"hostIPC", "TG-K8S-005"}, {"shareProcessNamespace", "TG-K8S-034"}} {
		if k, v := y.Get(spec, f.key); k != nil {
			if b, _ := y.Bool(v); b {
				o.add(f.id, k, prefix+"."+f.key, "")
			}
		}
	}
	if k, v := y.Get(spec, "automountServiceAccountToken"); k == nil {
		o.add("TG-K8S-017", spec, prefix+".automountServiceAccountToken", "")
	} else if b, ok := y.Bool(v); !ok || b {
		o.add("TG-K8S-017", k, prefix+".automountServiceAccountToken", "")
	}
	for _, vol := range y.Seq(y.Val(spec, "volumes")) {
		hk, hp := y.Get(vol, "hostPath")
		if hk == nil {
			continue
		}
		p := y.Str(y.Val(hp, "path"))
		key := prefix + ".volumes[" + y.Str(y.Val(vol, "name")) + "].hostPath"
		sock := false
		for _, s := range runtimeSockets {
			if strings.Contains(p, s) {
				sock = true
			}
		}
		if sock {
			o.add("TG-K8S-007", hk, key, fmt.Sprintf("volume mounts the container runtime socket %s", p))
		} else {
			o.add("TG-K8S-006", hk, key, fmt.Sprintf("volume mounts host path %s", p))
		}
	}
	psc := y.Val(spec, "securityContext")
	for _, s := range y.Seq(y.Val(psc, "sysctls")) {
		name := y.Str(y.Val(s, "name"))
		if name != "" && !safeSysctls[name] {
			o.add("TG-K8S-031", s, prefix+".securityContext.sysctls["+name+"]", fmt.Sprintf("sysctl %s is not in the safe set", name))
		}
	}
	annotations := y.Val(meta, "annotations")
	for _, group := range []string{"initContainers", "containers", "ephemeralContainers"} {
		for _, ct := range y.Seq(y.Val(spec, group)) {
			checkContainer(o, ct, psc, annotations, prefix+"."+group)
		}
	}
}

func boolAt(n *yaml.Node, keys ...string) (val, set bool, at *yaml.Node) {
	for i, k := range keys {
		kn, v := y.Get(n, k)
		if kn == nil {
			return false, false, nil
		}
		if i == len(keys)-1 {
			b, ok := y.Bool(v)
			return b, ok, kn
		}
		n = v
	}
	return false, false, nil
}

func checkContainer(o *obj, ct, psc, annotations *yaml.Node, group string) {
	cname := y.Str(y.Val(ct, "name"))
	base := group + "[" + cname + "]"
	nameNode, _ := y.Get(ct, "name")
	at := firstNonNil(nameNode, ct)
	sc := y.Val(ct, "securityContext")
	scKey, _ := y.Get(ct, "securityContext")
	scAt := firstNonNil(scKey, at)
	cn := func(what string) string { return fmt.Sprintf("container %q %s", cname, what) }

	if b, _, k := boolAt(sc, "privileged"); b {
		o.add("TG-K8S-001", k, base+".securityContext.privileged", cn("is privileged"))
	}
	if b, set, k := boolAt(sc, "allowPrivilegeEscalation"); !set || b {
		o.add("TG-K8S-002", firstNonNil(k, scAt), base+".securityContext.allowPrivilegeEscalation", cn("does not set allowPrivilegeEscalation: false"))
	}
	// Effective user: container settings override the pod's.
	nonRoot, nrSet, _ := boolAt(sc, "runAsNonRoot")
	if !nrSet {
		nonRoot, _, _ = boolAt(psc, "runAsNonRoot")
	}
	uidKey, uidNode := y.Get(sc, "runAsUser")
	if uidKey == nil {
		uidKey, uidNode = y.Get(psc, "runAsUser")
	}
	uid, uidSet := y.Int(uidNode)
	if uidSet && uid == 0 {
		o.add("TG-K8S-009", uidKey, base+".securityContext.runAsUser", cn("runs as UID 0"))
	} else if !nonRoot && !(uidSet && uid > 0) {
		o.add("TG-K8S-008", scAt, base+".securityContext.runAsNonRoot", cn("may run as root"))
	}
	caps := y.Val(sc, "capabilities")
	for _, a := range y.Seq(y.Val(caps, "add")) {
		cp := strings.ToUpper(strings.TrimPrefix(y.Str(a), "CAP_"))
		if dangerousCaps[cp] {
			o.add("TG-K8S-010", a, base+".securityContext.capabilities.add["+cp+"]", cn("adds capability "+cp))
		}
	}
	dropsAll := false
	for _, d := range y.Seq(y.Val(caps, "drop")) {
		if strings.EqualFold(y.Str(d), "ALL") {
			dropsAll = true
		}
	}
	if !dropsAll {
		o.add("TG-K8S-011", scAt, base+".securityContext.capabilities.drop", cn("does not drop ALL capabilities"))
	}
	if b, _, k := boolAt(sc, "readOnlyRootFilesystem"); !b {
		o.add("TG-K8S-012", firstNonNil(k, scAt), base+".securityContext.readOnlyRootFilesystem", cn("has a writable root file system"))
	}
	if v := y.Str(y.Val(sc, "procMount")); strings.EqualFold(v, "Unmasked") {
		k, _ := y.Get(sc, "procMount")
		o.add("TG-K8S-032", k, base+".securityContext.procMount", "")
	}
	for _, ctx := range []*yaml.Node{sc, psc} {
		if k, v := y.Get(y.Val(ctx, "seLinuxOptions"), "type"); k != nil && !selinuxTypes[y.Str(v)] && y.Str(v) != "" {
			o.add("TG-K8S-033", k, base+".securityContext.seLinuxOptions.type", cn("uses SELinux type "+y.Str(v)))
			break
		}
	}
	// Seccomp: container, then pod, then the legacy annotations.
	sp := y.Str(y.Path(sc, "seccompProfile", "type"))
	if sp == "" {
		sp = y.Str(y.Path(psc, "seccompProfile", "type"))
	}
	if sp == "" {
		sp = y.Str(y.Val(annotations, "container.seccomp.security.alpha.kubernetes.io/"+cname))
		if sp == "" {
			sp = y.Str(y.Val(annotations, "seccomp.security.alpha.kubernetes.io/pod"))
		}
	}
	if sp == "" || strings.EqualFold(sp, "Unconfined") || sp == "unconfined" {
		o.add("TG-K8S-019", scAt, base+".securityContext.seccompProfile", cn("has no seccomp profile"))
	}
	aa := y.Str(y.Path(sc, "appArmorProfile", "type"))
	if aa == "" {
		aa = y.Str(y.Path(psc, "appArmorProfile", "type"))
	}
	if aa == "" {
		aa = y.Str(y.Val(annotations, "container.apparmor.security.beta.kubernetes.io/"+cname))
	}
	if strings.EqualFold(aa, "unconfined") {
		o.add("TG-K8S-020", scAt, base+".appArmor", cn("runs without AppArmor"))
	}

	resK, res := y.Get(ct, "resources")
	resAt := firstNonNil(resK, at)
	if y.Val(y.Val(res, "limits"), "memory") == nil {
		o.add("TG-K8S-013", resAt, base+".resources.limits.memory", cn("has no memory limit"))
	}
	if y.Val(y.Val(res, "limits"), "cpu") == nil {
		o.add("TG-K8S-014", resAt, base+".resources.limits.cpu", cn("has no CPU limit"))
	}
	if req := y.Val(res, "requests"); y.Val(req, "cpu") == nil || y.Val(req, "memory") == nil {
		o.add("TG-K8S-015", resAt, base+".resources.requests", cn("does not request both CPU and memory"))
	}

	if ik, img := y.Get(ct, "image"); ik != nil {
		ref := y.Str(img)
		if !strings.Contains(ref, "@") && !strings.Contains(ref, "{{") && !strings.Contains(ref, "$") {
			_, tag := splitTag(ref)
			if tag == "" || tag == "latest" {
				o.add("TG-K8S-016", img, base+".image", cn("uses image "+ref+" without a version tag"))
			}
		}
	}
	for _, p := range y.Seq(y.Val(ct, "ports")) {
		if k, v := y.Get(p, "hostPort"); k != nil {
			if n, ok := y.Int(v); ok && n > 0 {
				o.add("TG-K8S-021", k, base+".ports.hostPort", cn(fmt.Sprintf("binds hostPort %d", n)))
			}
		}
	}
	for _, e := range y.Seq(y.Val(ct, "env")) {
		name := y.Str(y.Val(e, "name"))
		vk, v := y.Get(e, "value")
		if vk == nil || !secretEnvRe.MatchString(name) {
			continue
		}
		val := y.Str(v)
		if val == "" || strings.HasPrefix(val, "$(") || strings.HasPrefix(val, "/") || strings.HasPrefix(val, "{{") {
			continue
		}
		o.add("TG-K8S-018", vk, base+".env["+name+"]", cn("sets "+name+" to a literal value"))
	}
}

func splitTag(ref string) (name, tag string) {
	i := strings.LastIndex(ref, ":")
	if i < 0 || strings.Contains(ref[i:], "/") {
		return ref, ""
	}
	return ref[:i], ref[i+1:]
}

func checkRules(o *obj, rules *yaml.Node) {
	for i, r := range y.Seq(rules) {
		verbs := strs(y.Val(r, "verbs"))
		res := strs(y.Val(r, "resources"))
		key := fmt.Sprintf("rules[%s|%s]", strings.Join(res, ","), strings.Join(verbs, ","))
		_ = i
		vk, _ := y.Get(r, "verbs")
		rk, _ := y.Get(r, "resources")
		at := firstNonNil(vk, r)
		if has(verbs, "*") {
			o.add("TG-K8S-023", vk, key+".verbs", "")
		}
		if has(res, "*") {
			o.add("TG-K8S-024", firstNonNil(rk, r), key+".resources", "")
		}
		readVerbs := has(verbs, "*") || has(verbs, "get") || has(verbs, "list") || has(verbs, "watch")
		if (has(res, "secrets") || has(res, "*")) && readVerbs && len(strs(y.Val(r, "resourceNames"))) == 0 {
			o.add("TG-K8S-026", at, key+".secrets", "")
		}
		if ((has(res, "pods") || has(res, "*")) && (has(verbs, "create") || has(verbs, "*"))) ||
			((has(res, "pods/exec") || has(res, "pods/attach")) && (has(verbs, "create") || has(verbs, "get") || has(verbs, "*"))) {
			o.add("TG-K8S-027", at, key+".pods", "")
		}
		if has(verbs, "escalate") || has(verbs, "bind") || has(verbs, "impersonate") {
			o.add("TG-K8S-028", vk, key+".escalate", "")
		}
		if has(res, "nodes/proxy") && (readVerbs || has(verbs, "create")) {
			o.add("TG-K8S-038", at, key+".nodes/proxy", "")
		}
	}
}

func checkBinding(o *obj, n *yaml.Node) {
	rk, ref := y.Get(n, "roleRef")
	if y.Str(y.Val(ref, "name")) == "cluster-admin" && y.Str(y.Val(ref, "kind")) != "Role" {
		o.add("TG-K8S-025", y.Val(ref, "name"), "roleRef", "")
	}
	_ = rk
	for _, s := range y.Seq(y.Val(n, "subjects")) {
		switch name := y.Str(y.Val(s, "name")); name {
		case "system:anonymous", "system:unauthenticated", "system:authenticated":
			o.add("TG-K8S-035", y.Val(s, "name"), "subjects["+name+"]", fmt.Sprintf("binds %s", name))
		}
	}
}

func checkService(o *obj, spec *yaml.Node) {
	tk, t := y.Get(spec, "type")
	switch y.Str(t) {
	case "NodePort":
		o.add("TG-K8S-029", tk, "spec.type", "")
	case "LoadBalancer":
		if len(strs(y.Val(spec, "loadBalancerSourceRanges"))) == 0 {
			o.add("TG-K8S-030", tk, "spec.type", "")
		}
	}
}

func strs(n *yaml.Node) []string {
	var out []string
	for _, it := range y.Seq(n) {
		out = append(out, y.Str(it))
	}
	return out
}

func has(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}
