/*
 * c360 cli — `c360 version`.
 */
#include "cli.h"

#include <curl/curl.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <lmdb.h>
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

int c360_cli_version(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        puts("usage: c360 version\n\nPrints the version of c360 and of the libraries it runs "
             "with.");
        return C360_EXIT_OK;
    }
    if (argc > 1) {
        fprintf(stderr, "c360 version: takes no arguments\n");
        return C360_EXIT_USAGE;
    }
    printf("c360 %s\n", C360_VERSION);
    printf("librdkafka %s\n", rd_kafka_version_str());
    printf("avro-c %s (build)\n", C360_AVRO_VERSION);
    printf("jansson %s\n", jansson_version_str());
    printf("libcurl %s\n", curl_version_info(CURLVERSION_NOW)->version);
    printf("lmdb %s\n", mdb_version(NULL, NULL, NULL));
    printf("libmicrohttpd %s\n", MHD_get_version());
    return C360_EXIT_OK;
}
