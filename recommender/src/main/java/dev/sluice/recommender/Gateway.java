package dev.sluice.recommender;

import java.net.URI;
import java.util.Objects;

/**
 * A Sluice gateway the recommender deploys candidates on: its admin port (the SageMaker control plane and
 * {@code /metrics}) and its data port ({@code /endpoints/{name}/invocations}).
 *
 * @param instanceType the catalog type this gateway's machine stands for; null for the local gateway, whose type the
 *                     request (or this machine's size) decides
 * @param processId    the gateway's process when it runs on this machine (its resident memory is read from
 *                     {@code /proc}); null otherwise
 * @param remote       whether the gateway runs on another machine: it then gets the artifacts' remote URLs
 */
public record Gateway(URI adminUrl, URI dataUrl, String instanceType, Long processId, boolean remote) {
    public Gateway {
        adminUrl = checkUrl("adminUrl", adminUrl);
        dataUrl = checkUrl("dataUrl", dataUrl);
    }

    /** A gateway in this JVM (what {@code sluice recommend} starts): its memory is this process's. */
    public static Gateway inProcess(URI adminUrl, URI dataUrl) {
        return new Gateway(adminUrl, dataUrl, null, ProcessHandle.current().pid(), false);
    }

    /** A gateway on another machine, declared with the instance type that machine is. */
    public static Gateway remoteHost(URI adminUrl, URI dataUrl, String instanceType) {
        Objects.requireNonNull(instanceType, "a remote host needs its instanceType");
        return new Gateway(adminUrl, dataUrl, instanceType, null, true);
    }

    public Gateway withInstanceType(String type) {
        return new Gateway(adminUrl, dataUrl, type, processId, remote);
    }

    private static URI checkUrl(String field, URI url) {
        Objects.requireNonNull(url, field);
        if (url.getScheme() == null || !(url.getScheme().equals("http") || url.getScheme().equals("https"))
                || url.getHost() == null) {
            throw new IllegalArgumentException(field + " must be an http(s)://host:port URL, got '" + url + "'");
        }
        return url;
    }
}
