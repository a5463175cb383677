/*
 * Baseline for bench/latency.ts: Pacemaker's own C client library (liblrmd, Debian's pacemaker-dev)
 * against a real pacemaker-remoted. Connects (TCP + TLS + register), registers one resource, then times
 * COUNT synchronous get_rsc_info round trips, back to back or paced. Prints one JSON line.
 *
 * Build: gcc -O2 -o lrmd-bench lrmd-bench.c $(pkg-config --cflags --libs pacemaker-lrmd)
 * Usage: PCMK_authkey_location=KEY lrmd-bench HOST PORT COUNT back-to-back|paced
 * (The C API is synchronous: it cannot pipeline.)
 */
#include <crm/lrmd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s HOST PORT COUNT back-to-back|paced\n", argv[0]);
        return 2;
    }
    const char *host = argv[1];
    int port = atoi(argv[2]);
    int count = atoi(argv[3]);
    int paced = strcmp(argv[4], "paced") == 0;
    double *rtt = calloc(count > 0 ? count : 1, sizeof(double));

    double t0 = now_ms();
    lrmd_t *lrmd = lrmd_remote_api_new(NULL, host, port);
    int rc = lrmd->cmds->connect(lrmd, "c-bench", NULL);
    double connect_ms = now_ms() - t0;
    if (rc != 0) {
        fprintf(stderr, "connect failed: %d\n", rc);
        return 1;
    }
    rc = lrmd->cmds->register_rsc(lrmd, "bench-rsc", "ocf", "pacemaker", "Dummy", 0);
    if (rc != 0) {
        fprintf(stderr, "register_rsc failed: %d\n", rc);
        return 1;
    }
    double start = now_ms();
    for (int i = 0; i < count; i++) {
        if (paced) usleep(50000);
        double a = now_ms();
        lrmd_rsc_info_t *info = lrmd->cmds->get_rsc_info(lrmd, "bench-rsc", 0);
        rtt[i] = now_ms() - a;
        if (!info) {
            fprintf(stderr, "get_rsc_info failed at %d\n", i);
            return 1;
        }
        lrmd_free_rsc_info(info);
    }
    double total = now_ms() - start;
    lrmd->cmds->unregister_rsc(lrmd, "bench-rsc", 0);
    lrmd->cmds->disconnect(lrmd);
    lrmd_api_delete(lrmd);
    qsort(rtt, count, sizeof(double), cmp);
    printf("{\"client\":\"c-liblrmd\",\"pattern\":\"%s\",\"count\":%d,\"connectMs\":%.3f,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f,\"totalMs\":%.1f}\n",
           argv[4], count, connect_ms, rtt[count / 2], rtt[(int)(count * 0.9)], rtt[(int)(count * 0.99)], rtt[count - 1], total);
    free(rtt);
    return 0;
}
