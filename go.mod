module github.com/perimeterhq/perimeter

go 1.26.0
