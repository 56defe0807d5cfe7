/* monitor/main.c — placeholder entry point; replaced by the CLI. */
#include <stdio.h>
int main(void)
{
	puts("vmlab: under construction");
	return 0;
}
