/* A valid C header that is not the Orthanc plugin SDK. */
#pragma once
#include <stdint.h>
typedef struct { int32_t x; int32_t y; } Point;
int32_t point_distance(const Point* a, const Point* b);
