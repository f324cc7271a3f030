/*
 * Suite http: the HTTP server (src/http/http.c) on loopback, on a port the
 * system picks, asked by libcurl as a scraper or a probe would ask.
 */
#include "c360/http.h"

#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* What the test handler was asked, for the tests to check (it runs in the
 * server's thread, where a failed assertion would not be reported). */
static atomic_int calls, wrong_ctx;
static char last_path[256];

/* /hello answers text of its own type, /teapot a status of its own, /fail
 * fails (after setting a body the server must free); anything else is 404. */
static enum c360_err handle(void *ctx, const char *path, struct c360_http_reply *reply)
{
    if (strcmp(ctx, "ctx") != 0)
        atomic_fetch_add(&wrong_ctx, 1);
    atomic_fetch_add(&calls, 1);
    snprintf(last_path, sizeof(last_path), "%s", path);
    const char *text = "not here\n";
    if (strcmp(path, "/hello") == 0) {
        text = "hello\n";
        reply->content_type = "text/plain; version=0.0.4; charset=utf-8";
    } else if (strcmp(path, "/teapot") == 0) {
        reply->status = 418;
        text = "";
    } else if (strcmp(path, "/fail") == 0) {
        reply->body = strdup("lost");
        return C360_ERR_NOMEM;
    } else {
        reply->status = 404;
    }
    if (*text) {
        reply->body = strdup(text);
        reply->len = strlen(text);
    }
    return C360_OK;
}

static struct c360_http *start(void)
{
    struct c360_http *srv;
    struct c360_diag diag;
    struct c360_http_opts opts = {.bind = "127.0.0.1", .port = 0, .handle = handle, .ctx = "ctx"};
    atomic_store(&calls, 0); /* each test counts its own (Check may run them in one process) */
    atomic_store(&wrong_ctx, 0);
    last_path[0] = '\0';
    ck_assert_int_eq(c360_http_new(&opts, &srv, &diag), C360_OK);
    ck_assert_int_gt(c360_http_port(srv), 0);
    return srv;
}

/* One answer as libcurl saw it. */
struct got {
    long status;
    char body[4096];
    size_t len;
    char type[128];
    char allow[64];
};

static size_t got_body(char *data, size_t size, size_t n, void *arg)
{
    struct got *g = arg;
    size_t len = size * n;
    ck_assert_uint_lt(g->len + len, sizeof(g->body));
    memcpy(g->body + g->len, data, len);
    g->len += len;
    g->body[g->len] = '\0';
    return len;
}

static size_t got_header(char *data, size_t size, size_t n, void *arg)
{
    struct got *g = arg;
    size_t len = size * n;
    if (len > 7 && strncasecmp(data, "Allow: ", 7) == 0) {
        snprintf(g->allow, sizeof(g->allow), "%.*s", (int)(len - 7), data + 7);
        g->allow[strcspn(g->allow, "\r\n")] = '\0';
    }
    return len;
}

/* Asks path with method (NULL: GET) on srv. */
static struct got ask(const struct c360_http *srv, const char *method, const char *path)
{
    struct got g = {0};
    char url[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", c360_http_port(srv), path);
    CURL *curl = curl_easy_init();
    ck_assert_ptr_nonnull(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*"); /* whatever the environment says */
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, got_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &g);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, got_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &g);
    if (method && strcmp(method, "HEAD") == 0)
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    else if (method && strcmp(method, "POST") == 0)
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "a=b");
    else if (method)
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    ck_assert_int_eq(curl_easy_perform(curl), CURLE_OK);
    char *type = NULL;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &g.status);
    curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
    snprintf(g.type, sizeof(g.type), "%s", type ? type : "");
    curl_easy_cleanup(curl);
    return g;
}

START_TEST(test_c360_http_new_serves_the_handlers_answer)
{
    struct c360_http *srv = start();
    struct got g = ask(srv, NULL, "/hello");
    ck_assert_int_eq(g.status, 200);
    ck_assert_str_eq(g.body, "hello\n");
    ck_assert_str_eq(g.type, "text/plain; version=0.0.4; charset=utf-8");
    g = ask(srv, NULL, "/teapot");
    ck_assert_int_eq(g.status, 418);
    ck_assert_uint_eq(g.len, 0);
    ck_assert_str_eq(g.type, "text/plain; charset=utf-8"); /* the default */
    g = ask(srv, NULL, "/nowhere");
    ck_assert_int_eq(g.status, 404);
    ck_assert_str_eq(g.body, "not here\n");
    ck_assert_int_eq(atomic_load(&calls), 3);
    ck_assert_int_eq(atomic_load(&wrong_ctx), 0);
    c360_http_destroy(srv);
}
END_TEST

START_TEST(test_c360_http_new_hands_over_the_path_without_query)
{
    struct c360_http *srv = start();
    struct got g = ask(srv, NULL, "/hello?name[]=x&y=%22z%22");
    ck_assert_int_eq(g.status, 200);
    ck_assert_str_eq(last_path, "/hello");
    c360_http_destroy(srv);
}
END_TEST

START_TEST(test_c360_http_new_answers_head_without_a_body)
{
    struct c360_http *srv = start();
    struct got g = ask(srv, "HEAD", "/hello");
    ck_assert_int_eq(g.status, 200);
    ck_assert_uint_eq(g.len, 0);
    ck_assert_int_eq(atomic_load(&calls), 1);
    c360_http_destroy(srv);
}
END_TEST

/* Other methods never reach the handler. */
static const char *const refused[] = {"POST", "PUT", "DELETE", "OPTIONS", "PATCH"};

START_TEST(test_c360_http_new_refuses_other_methods)
{
    struct c360_http *srv = start();
    struct got g = ask(srv, refused[_i], "/hello");
    ck_assert_int_eq(g.status, 405);
    ck_assert_str_eq(g.allow, "GET, HEAD");
    ck_assert_int_eq(atomic_load(&calls), 0);
    c360_http_destroy(srv);
}
END_TEST

START_TEST(test_c360_http_new_answers_500_when_the_handler_fails)
{
    struct c360_http *srv = start();
    struct got g = ask(srv, NULL, "/fail");
    ck_assert_int_eq(g.status, 500);
    ck_assert_str_eq(g.body, "internal error\n");
    /* The server goes on. */
    g = ask(srv, NULL, "/hello");
    ck_assert_int_eq(g.status, 200);
    c360_http_destroy(srv);
}
END_TEST

/* Settings the server cannot listen with, and the field at fault. */
static const struct {
    const char *bind;
    int port;
    enum c360_err err;
    const char *field;
} bad[] = {
    {"localhost", 0, C360_ERR_INVALID, "bind"}, /* no name lookups */
    {"", 0, C360_ERR_INVALID, "bind"},           {"127.0.0.256", 0, C360_ERR_INVALID, "bind"},
    {"127.0.0.1", -1, C360_ERR_INVALID, "port"}, {"127.0.0.1", 65536, C360_ERR_INVALID, "port"},
    {"192.0.2.1", 0, C360_ERR_IO, "port"}, /* TEST-NET-1: no local address */
};

START_TEST(test_c360_http_new_refuses_what_it_cannot_bind)
{
    struct c360_http *srv = NULL;
    struct c360_diag diag;
    struct c360_http_opts opts = {
        .bind = bad[_i].bind, .port = bad[_i].port, .handle = handle, .ctx = "ctx"};
    c360_diag_clear(&diag);
    ck_assert_int_eq(c360_http_new(&opts, &srv, &diag), bad[_i].err);
    ck_assert_ptr_null(srv);
    ck_assert_str_eq(diag.field, bad[_i].field);
}
END_TEST

START_TEST(test_c360_http_new_says_when_the_port_is_taken)
{
    struct c360_http *srv = start(), *second = NULL;
    struct c360_diag diag;
    struct c360_http_opts opts = {
        .bind = "127.0.0.1", .port = c360_http_port(srv), .handle = handle, .ctx = "ctx"};
    c360_diag_clear(&diag);
    ck_assert_int_eq(c360_http_new(&opts, &second, &diag), C360_ERR_IO);
    ck_assert_ptr_null(second);
    ck_assert_str_eq(diag.field, "port");
    ck_assert_msg(strstr(diag.text, "in use"), "%s", diag.text);
    c360_http_destroy(srv);
}
END_TEST

/* Once destroyed, nothing listens on the port. */
START_TEST(test_c360_http_destroy_closes_the_port)
{
    struct c360_http *srv = start();
    int port = c360_http_port(srv);
    c360_http_destroy(srv);
    c360_http_destroy(NULL);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_ne(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    close(fd);
}
END_TEST

Suite *c360_test_suite(void);
Suite *c360_test_suite(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("c360_http_new");
    tcase_add_test(tc, test_c360_http_new_serves_the_handlers_answer);
    tcase_add_test(tc, test_c360_http_new_hands_over_the_path_without_query);
    tcase_add_test(tc, test_c360_http_new_answers_head_without_a_body);
    tcase_add_loop_test(tc, test_c360_http_new_refuses_other_methods, 0,
                        sizeof(refused) / sizeof(refused[0]));
    tcase_add_test(tc, test_c360_http_new_answers_500_when_the_handler_fails);
    tcase_add_loop_test(tc, test_c360_http_new_refuses_what_it_cannot_bind, 0,
                        sizeof(bad) / sizeof(bad[0]));
    tcase_add_test(tc, test_c360_http_new_says_when_the_port_is_taken);
    suite_add_tcase(s, tc);
    tc = tcase_create("c360_http_destroy");
    tcase_add_test(tc, test_c360_http_destroy_closes_the_port);
    suite_add_tcase(s, tc);
    return s;
}
