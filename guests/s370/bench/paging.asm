*---------------------------------------------------------------------
* PAGING: an EC-mode supervisor with DAT on (4K pages, 64K segments)
* that touches 64 pages per pass and purges its TLB (PTLB) after each
* pass, so a VMM must rebuild its shadow page-table entries every
* pass (assist benchmark). Virtual storage 0-512K maps to real 0-512K.
* Results: the last value stored in each page, R3 = 0.
*---------------------------------------------------------------------
PAGING   START 0
         DC    X'0000000000',AL3(BEGIN)  IPL PSW: BC, key 0, disabled
         ORG   PAGING+X'68'
         DC    X'0002000000',AL3(X'DEAD00') program new PSW: wait
         ORG   PAGING+X'400'
BEGIN    BALR  12,0
         USING *,12
* Page tables: 8 segments x 16 pages, identity mapping (PTE = frame<<4)
         L     2,PTADDR
         SR    3,3
         LA    4,128
BLDPT    STH   3,0(2)
         LA    3,16(3)
         LA    2,2(2)
         BCT   4,BLDPT
* Segment table: 8 valid entries (PTL 15, page-table origin), 8 invalid
         L     2,STADDR
         L     3,PTADDR
         LA    4,8
BLDST    LR    5,3
         O     5,PTLBITS
         ST    5,0(2)
         LA    2,4(2)
         LA    3,32(3)
         BCT   4,BLDST
         LA    4,8
INVST    MVC   0(4,2),INVALID
         LA    2,4(2)
         BCT   4,INVST
         LCTL  0,1,CREGS
         LPSW  DATPSW                   EC mode, DAT on, at WORK
WORK     L     3,ITER
OUTER    L     2,AREA                   first touched page (64K)
         LA    4,64                     64 pages
TOUCH    ST    4,0(2)
         A     2,PAGESZ
         BCT   4,TOUCH
* The guest purges its TLB (no operands, so no remarks on the line)
         PTLB
         BCT   3,OUTER
         LPSW  DONEPSW
         DS    0D
DATPSW   DC    X'0408000000',AL3(WORK)  EC, DAT, supervisor, disabled
DONEPSW  DC    X'0002000000000000'      disabled wait
CREGS    DC    X'00800000'              CR0: 4K pages, 64K segments
         DC    A(SEGTAB)                CR1: length 0 (16 entries), STO
ITER     DC    F'50'
AREA     DC    A(X'10000')
PAGESZ   DC    F'4096'
PTLBITS  DC    X'F0000000'
INVALID  DC    X'00000001'
PTADDR   DC    A(PAGETAB)
STADDR   DC    A(SEGTAB)
         ORG   PAGING+X'3000'
SEGTAB   DS    16F
         ORG   PAGING+X'3100'
PAGETAB  DS    128H
         END   BEGIN
