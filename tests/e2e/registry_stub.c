/*
 * A Schema Registry for the end-to-end tests: serves writer schemas from
 * files on GET /schemas/ids/<id> (other ids get the registry's 404) through
 * the codec tests' HTTP stub, prints its URL on one line, and runs until its
 * standard input closes or it is killed.
 *
 *   registry_stub ID=FILE [ID=FILE]...
 */
#include "c360/file.h"
#include "http_stub.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SCHEMAS_MAX 8

int main(int argc, char **argv)
{
    static struct http_stub_reply replies[SCHEMAS_MAX];
    static struct http_stub_route routes[SCHEMAS_MAX];
    static char paths[SCHEMAS_MAX][64];
    int n = 0;
    for (int i = 1; i < argc && n < SCHEMAS_MAX; i++, n++) {
        char *eq = strchr(argv[i], '='), *text;
        size_t len;
        if (!eq || c360_file_read(eq + 1, 1 << 20, &text, &len, NULL)) {
            fprintf(stderr, "registry_stub: want ID=FILE, got %s\n", argv[i]);
            return 2;
        }
        snprintf(paths[n], sizeof(paths[n]), "/schemas/ids/%.*s", (int)(eq - argv[i]), argv[i]);
        json_t *answer = json_pack("{s:s}", "schema", text);
        replies[n] = (struct http_stub_reply){.status = 200, .body = json_dumps(answer, 0)};
        routes[n] = (struct http_stub_route){paths[n], &replies[n], 1};
        json_decref(answer);
        free(text);
    }
    struct http_stub *stub = http_stub_start(routes, (size_t)n);
    printf("%s\n", http_stub_url(stub));
    fflush(stdout);
    char buf[64];
    while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
        ;
    http_stub_stop(stub);
    return 0;
}
