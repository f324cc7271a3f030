/*
 * Shared runner of the Check suites: each tests/unit/<module>/check_*.c
 * defines c360_test_suite(); this runs it in fork mode and exits non-zero on
 * any failure.
 */
#include <check.h>
#include <stdlib.h>

Suite *c360_test_suite(void);

int main(void)
{
    SRunner *runner = srunner_create(c360_test_suite());
    srunner_run_all(runner, CK_ENV); /* CK_VERBOSITY=verbose lists every test */
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
