package kubernetes

import (
	"github.com/tollgate-dev/tollgate/internal/finding"
	"github.com/tollgate-dev/tollgate/internal/misconfig/check"
)

const (
	refPSS     = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"
	refNSA     = "NSA/CISA Kubernetes Hardening Guide v1.2 (2022)"
	refCIS     = "CIS Kubernetes Benchmark v1.9, section 5 (Policies)"
	refRBAC    = "https://kubernetes.io/docs/concepts/security/rbac-good-practices/"
	refSecCtx  = "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"
	refRes     = "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/"
	refSvc     = "https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types"
	refSecrets = "https://kubernetes.io/docs/concepts/security/secrets-good-practices/"
	refSA      = "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting"
)

func c(id string, sev finding.Severity, title, desc, fix string, refs ...string) check.Check {
	return check.Check{ID: id, Platform: check.Kubernetes, Severity: sev, Title: title, Description: desc, Remediation: fix, References: refs}
}

// Checks is the Kubernetes table. Workload checks apply to every pod template: Pod, Deployment,
// StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job and CronJob (and List items).
var Checks = []check.Check{
	c("TG-K8S-001", finding.High, "Privileged container",
		"A privileged container has every capability and all host devices; escaping to the node is trivial.",
		"Set securityContext.privileged: false (or remove it).", refPSS, refNSA, refCIS),
	c("TG-K8S-002", finding.Medium, "Privilege escalation allowed",
		"Without allowPrivilegeEscalation: false a process can gain more privileges than its parent (setuid binaries).",
		"Set securityContext.allowPrivilegeEscalation: false on every container.", refPSS, refNSA),
	c("TG-K8S-003", finding.High, "Host network namespace shared",
		"hostNetwork gives the pod the node's network stack: it can sniff traffic and reach node-local services.",
		"Remove hostNetwork: true.", refPSS, refCIS),
	c("TG-K8S-004", finding.High, "Host PID namespace shared",
		"hostPID lets the pod see and signal every process on the node.",
		"Remove hostPID: true.", refPSS, refCIS),
	c("TG-K8S-005", finding.High, "Host IPC namespace shared",
		"hostIPC lets the pod read shared memory of every process on the node.",
		"Remove hostIPC: true.", refPSS, refCIS),
	c("TG-K8S-006", finding.Medium, "hostPath volume",
		"hostPath mounts expose the node's file system to the pod, a common step of container escapes.",
		"Use persistent volumes, emptyDir, configMap or secret volumes instead.", refPSS, refNSA),
	c("TG-K8S-007", finding.Critical, "Container runtime socket mounted",
		"Mounting docker.sock/containerd.sock/crio.sock gives full control of the node's containers: root on the node.",
		"Never mount the runtime socket; use a dedicated build service (kaniko, buildkit rootless).", refPSS, refNSA),
	c("TG-K8S-008", finding.Medium, "Container may run as root",
		"Neither the pod nor the container sets runAsNonRoot: true (or a non-zero runAsUser), so the image's default user — often root — is used.",
		"Set securityContext.runAsNonRoot: true and a non-zero runAsUser.", refPSS, refNSA),
	c("TG-K8S-009", finding.High, "Container runs as UID 0",
		"runAsUser: 0 explicitly runs the container as root.",
		"Set runAsUser to a non-zero UID.", refPSS, refNSA),
	c("TG-K8S-010", finding.High, "Dangerous capability added",
		"Capabilities such as SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE or ALL are close to root on the node.",
		"Remove the capability from securityContext.capabilities.add.", refPSS, refNSA),
	c("TG-K8S-011", finding.Low, "Capabilities not dropped",
		"Containers keep the runtime's default capability set (NET_RAW, CHOWN, …) unless ALL are dropped.",
		"Set securityContext.capabilities.drop: [ALL] and add back only what is needed.", refPSS, refNSA),
	c("TG-K8S-012", finding.Low, "Root file system is writable",
		"A writable root file system lets an intruder drop tools and persist changes.",
		"Set securityContext.readOnlyRootFilesystem: true and mount emptyDir where writes are needed.", refNSA, refCIS),
	c("TG-K8S-013", finding.Low, "No memory limit",
		"A container without a memory limit can exhaust the node's memory and evict its neighbours.",
		"Set resources.limits.memory.", refRes, refNSA),
	c("TG-K8S-014", finding.Low, "No CPU limit",
		"A container without a CPU limit can starve its neighbours.",
		"Set resources.limits.cpu.", refRes, refNSA),
	c("TG-K8S-015", finding.Low, "No resource requests",
		"Without requests the scheduler cannot place the pod sensibly and it is the first evicted.",
		"Set resources.requests.cpu and resources.requests.memory.", refRes),
	c("TG-K8S-016", finding.Medium, "Image uses the latest tag or no tag",
		"A mutable tag makes deployments unreproducible and lets an upstream push change what runs.",
		"Pin images to a version tag, ideally with a digest.", "https://kubernetes.io/docs/concepts/containers/images/#image-names"),
	c("TG-K8S-017", finding.Low, "Service-account token automounted",
		"Pods get an API token mounted by default; an intruder in the pod can use it against the API server.",
		"Set automountServiceAccountToken: false on the pod (or its service account) unless it calls the API.", refSA, refCIS),
	c("TG-K8S-018", finding.High, "Secret in an environment literal",
		"A secret-looking variable has its value written in the manifest, so it lives in git and in the pod spec.",
		"Use valueFrom.secretKeyRef (or a mounted secret) instead of a literal value.", refSecrets),
	c("TG-K8S-019", finding.Low, "Seccomp profile not set",
		"Without a seccomp profile (RuntimeDefault or Localhost) containers run Unconfined unless the kubelet defaults it.",
		"Set securityContext.seccompProfile.type: RuntimeDefault on the pod or container.", refPSS, refNSA),
	c("TG-K8S-020", finding.Medium, "AppArmor disabled",
		"The container's AppArmor profile is set to unconfined, removing a mandatory-access-control layer.",
		"Use runtime/default (or a localhost profile) for AppArmor.", refPSS),
	c("TG-K8S-021", finding.Medium, "hostPort used",
		"hostPort binds the node's port, bypassing network policy and limiting scheduling.",
		"Expose the pod through a Service instead of hostPort.", refPSS),
	c("TG-K8S-022", finding.Low, "Object in the default namespace",
		"The default namespace is shared and usually lacks the policies and quotas of a dedicated namespace.",
		"Deploy to a dedicated namespace.", refCIS),
	c("TG-K8S-023", finding.High, "RBAC rule grants every verb",
		"A wildcard verb grants every present and future action, including escalate, bind and impersonate.",
		"List the verbs the subject needs.", refRBAC, refCIS),
	c("TG-K8S-024", finding.High, "RBAC rule grants every resource",
		"A wildcard resource includes secrets and every future resource type.",
		"List the resources the subject needs.", refRBAC, refCIS),
	c("TG-K8S-025", finding.High, "Binding to cluster-admin",
		"Binding cluster-admin grants unrestricted control of the cluster.",
		"Bind a role that grants only what the subject needs.", refRBAC, refCIS),
	c("TG-K8S-026", finding.Medium, "Role can read secrets",
		"get/list/watch on secrets exposes every credential in the namespace (list returns their values).",
		"Grant access to named secrets only (resourceNames), or none.", refRBAC, refCIS),
	c("TG-K8S-027", finding.Medium, "Role can create pods or exec into them",
		"Creating pods or pods/exec lets the subject run code with any service account in the namespace.",
		"Remove create on pods, pods/exec and pods/attach unless essential.", refRBAC),
	c("TG-K8S-028", finding.High, "Role can escalate, bind or impersonate",
		"These verbs let the subject grant itself any permission.",
		"Remove escalate, bind and impersonate.", refRBAC),
	c("TG-K8S-029", finding.Low, "Service of type NodePort",
		"NodePort opens a port on every node, often reachable from outside the cluster.",
		"Use ClusterIP behind an Ingress or a controlled LoadBalancer.", refSvc),
	c("TG-K8S-030", finding.Medium, "Service of type LoadBalancer without source ranges",
		"A LoadBalancer Service without loadBalancerSourceRanges is usually reachable from the whole internet.",
		"Set loadBalancerSourceRanges, or use an internal load balancer annotation.", refSvc),
	c("TG-K8S-031", finding.High, "Unsafe sysctl",
		"Sysctls outside the safe set change kernel parameters for the whole node.",
		"Remove the sysctl or move the workload to a dedicated node.", refPSS),
	c("TG-K8S-032", finding.High, "procMount Unmasked",
		"An unmasked /proc exposes kernel interfaces that the runtime normally hides.",
		"Remove procMount: Unmasked.", refPSS),
	c("TG-K8S-033", finding.Medium, "Custom SELinux type",
		"Setting an SELinux type other than the container types can lift confinement.",
		"Remove seLinuxOptions.type or use container_t, container_init_t or container_kvm_t.", refPSS),
	c("TG-K8S-034", finding.Medium, "Process namespace shared between containers",
		"shareProcessNamespace lets every container see and signal the others' processes and read their file systems via /proc.",
		"Remove shareProcessNamespace: true unless a sidecar needs it.", refSecCtx),
	c("TG-K8S-035", finding.High, "Binding to anonymous or all authenticated users",
		"Subjects system:anonymous, system:unauthenticated or system:authenticated give the role to anyone who can reach the API.",
		"Bind to named users, groups or service accounts.", refRBAC, refCIS),
	c("TG-K8S-036", finding.Medium, "Secret manifest with values in the repository",
		"A Secret with data or stringData in a manifest keeps the credential in git history.",
		"Use an external secret store (External Secrets, Sealed Secrets, SOPS) instead of plain Secret manifests.", refSecrets),
	c("TG-K8S-037", finding.Low, "Ingress without TLS",
		"An Ingress without a tls section serves its hosts over plain HTTP.",
		"Add spec.tls with a certificate for the hosts.", "https://kubernetes.io/docs/concepts/services-networking/ingress/#tls"),
	c("TG-K8S-038", finding.Medium, "Role can read nodes/proxy",
		"nodes/proxy reaches the kubelet API directly, which allows running commands in any pod on the node.",
		"Remove access to nodes/proxy.", refRBAC),
}

func init() { check.Register(Checks...) }
