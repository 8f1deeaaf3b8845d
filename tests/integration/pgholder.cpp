// Test helper: holds a LocalPostgres until killed, so tests can prove what
// happens to the server when its owner dies.
// Usage: idem_test_pgholder [--no-stop-with-owner] [--signal-cleanup]

#include "connectors/postgres/localpostgres.h"

#include <cstdio>
#include <cstring>

#include <unistd.h>

int main(int argc, char *argv[])
{
    idem::connectors::LocalPostgresOptions options;
    bool signalCleanup = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--no-stop-with-owner") == 0)
            options.stopWithOwner = false;
        else if (std::strcmp(argv[i], "--signal-cleanup") == 0)
            signalCleanup = true;
    }
    if (signalCleanup)
        idem::connectors::LocalPostgres::installSignalCleanup();
    auto pg = idem::connectors::LocalPostgres::start(options);
    if (!pg) {
        std::fprintf(stderr, "%s\n", qPrintable(pg.error()));
        return 1;
    }
    std::printf("READY %s %d\n", qPrintable((*pg)->instanceDirectory()), int((*pg)->serverPid()));
    std::fflush(stdout);
    for (;;)
        pause();
}
