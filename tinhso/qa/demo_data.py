# ruff: noqa: E501 - prose data: one string per answer reads better than wrapped fragments.
"""The demo's questions and answers (realistic, in Vietnamese). Read by ``demo.py``.

Each published item: (field code, agency key, title, question, answer). Agency keys: "tinh"
(UBND tỉnh), "hcc" (Trung tâm Phục vụ hành chính công), "tu-phap", "nnmt", "tai-chinh",
"khcn", "vhttdl", "cong-an" (provincial) and "xa" (a demo commune's People's Committee).
"""

FIELDS = [
    ("dich-vu-cong", "Dịch vụ công trực tuyến"),
    ("vneid", "Định danh và xác thực điện tử (VNeID)"),
    ("ho-tich", "Hộ tịch"),
    ("cu-tru", "Cư trú"),
    ("dat-dai", "Đất đai"),
    ("thue", "Thuế hộ kinh doanh"),
    ("bhxh", "Bảo hiểm xã hội, bảo hiểm y tế"),
    ("kinh-doanh", "Đăng ký kinh doanh"),
    ("xay-dung", "Xây dựng, nhà ở"),
    ("chuyen-doi-so", "Chuyển đổi số"),
]

PUBLISHED = [
    (
        "dich-vu-cong",
        "hcc",
        "Làm thế nào để nộp hồ sơ trên Cổng dịch vụ công trực tuyến?",
        "Tôi muốn làm thủ tục mà không phải lên trụ sở. Nộp hồ sơ trên Cổng dịch vụ công trực tuyến của tỉnh như thế nào?",
        "Ông/bà truy cập Cổng dịch vụ công trực tuyến, đăng nhập bằng tài khoản định danh điện tử VNeID, tìm thủ tục cần làm, "
        "điền tờ khai, đính kèm bản chụp giấy tờ và bấm Nộp hồ sơ. Hệ thống cấp mã hồ sơ để theo dõi; kết quả được trả trực tuyến "
        "hoặc qua bưu chính công ích nếu ông/bà chọn.",
    ),
    (
        "dich-vu-cong",
        "hcc",
        "Nộp hồ sơ trực tuyến có phải nộp bản giấy nữa không?",
        "Tôi đã nộp hồ sơ trực tuyến, khi nhận kết quả có phải mang bản giấy đến đối chiếu không?",
        "Với thủ tục được cung cấp dịch vụ công trực tuyến toàn trình, ông/bà không phải nộp lại bản giấy. Giấy tờ đã được số hóa "
        "và có trong kho dữ liệu của công dân thì cơ quan không yêu cầu nộp lại. Chỉ khi văn bản pháp luật chuyên ngành yêu cầu "
        "bản chính để đối chiếu thì bộ phận một cửa mới hẹn ông/bà mang đến khi nhận kết quả.",
    ),
    (
        "dich-vu-cong",
        "hcc",
        "Tra cứu tình trạng hồ sơ dịch vụ công trực tuyến ở đâu?",
        "Tôi đã nộp hồ sơ cấp giấy phép qua mạng. Làm sao biết hồ sơ đang ở bước nào?",
        "Ông/bà nhập mã hồ sơ trên Cổng dịch vụ công trực tuyến (mục Tra cứu hồ sơ) hoặc vào mục Hồ sơ của tôi sau khi đăng nhập. "
        "Mỗi khi hồ sơ chuyển bước, hệ thống gửi thông báo qua thư điện tử hoặc tin nhắn nếu ông/bà đã khai báo.",
    ),
    (
        "dich-vu-cong",
        "hcc",
        "Thanh toán lệ phí trực tuyến bằng cách nào?",
        "Khi nộp hồ sơ trên cổng, tôi có thể trả lệ phí qua ngân hàng không?",
        "Có. Cổng dịch vụ công trực tuyến kết nối với nền tảng thanh toán trực tuyến; ông/bà có thể thanh toán bằng tài khoản "
        "ngân hàng, thẻ hoặc ví điện tử. Biên lai điện tử được gửi vào hồ sơ và có giá trị như biên lai giấy.",
    ),
    (
        "vneid",
        "cong-an",
        "Cách kích hoạt tài khoản định danh điện tử mức 2 trên VNeID",
        "Tôi đã làm căn cước nhưng chưa kích hoạt được tài khoản định danh điện tử mức 2. Phải làm gì?",
        "Ông/bà cài ứng dụng VNeID, chọn Kích hoạt tài khoản, nhập số định danh cá nhân và số điện thoại chính chủ đã đăng ký khi "
        "làm căn cước, nhập mã OTP, đặt mật khẩu và mã khóa. Nếu không nhận được OTP, ông/bà đến Công an cấp xã nơi cư trú để được "
        "hỗ trợ kích hoạt trực tiếp.",
    ),
    (
        "vneid",
        "cong-an",
        "Quên mật khẩu VNeID thì lấy lại thế nào?",
        "Tôi quên mật khẩu đăng nhập ứng dụng VNeID, có phải ra công an không?",
        "Không cần. Trên màn hình đăng nhập VNeID, ông/bà chọn Quên mật khẩu, nhập số định danh cá nhân và số điện thoại, rồi làm "
        "theo hướng dẫn xác thực khuôn mặt và mã OTP. Trường hợp đã đổi số điện thoại, ông/bà đến Công an cấp xã để cập nhật.",
    ),
    (
        "vneid",
        "cong-an",
        "Dùng tài khoản VNeID đăng nhập Cổng dịch vụ công được không?",
        "Tôi có tài khoản VNeID mức 2, có dùng để đăng nhập Cổng dịch vụ công trực tuyến của tỉnh không?",
        "Được. Cổng dịch vụ công trực tuyến của tỉnh đã tích hợp đăng nhập một lần với tài khoản định danh điện tử. Ông/bà chọn "
        "Đăng nhập bằng VNeID và xác nhận trên ứng dụng; thông tin cá nhân được điền sẵn vào tờ khai.",
    ),
    (
        "ho-tich",
        "xa",
        "Đăng ký khai sinh cho con cần những giấy tờ gì?",
        "Con tôi vừa sinh ở bệnh viện huyện. Tôi cần chuẩn bị gì để đăng ký khai sinh?",
        "Ông/bà chuẩn bị tờ khai đăng ký khai sinh và giấy chứng sinh do bệnh viện cấp; xuất trình giấy tờ tùy thân của cha, mẹ. "
        "Có thể nộp trực tuyến qua thủ tục liên thông khai sinh – đăng ký thường trú – cấp thẻ bảo hiểm y tế cho trẻ dưới 6 tuổi. "
        "Thời hạn giải quyết là trong ngày làm việc nếu hồ sơ hợp lệ.",
    ),
    (
        "ho-tich",
        "xa",
        "Làm giấy xác nhận tình trạng hôn nhân ở đâu?",
        "Tôi đang ở trọ nơi khác, muốn xin giấy xác nhận tình trạng hôn nhân để đăng ký kết hôn thì làm ở đâu?",
        "Ông/bà nộp hồ sơ tại Ủy ban nhân dân cấp xã nơi đăng ký thường trú, hoặc nơi tạm trú nếu không có nơi thường trú; có thể "
        "nộp trực tuyến. Giấy xác nhận có giá trị 6 tháng kể từ ngày cấp.",
    ),
    (
        "ho-tich",
        "tu-phap",
        "Trích lục khai sinh bản sao có thể xin trực tuyến không?",
        "Tôi bị mất giấy khai sinh bản chính, có thể xin bản sao trích lục qua mạng không?",
        "Có. Ông/bà nộp yêu cầu cấp bản sao trích lục hộ tịch trên Cổng dịch vụ công trực tuyến, chọn nơi đã đăng ký khai sinh. "
        "Bản sao điện tử có giá trị sử dụng như bản sao giấy; nếu cần bản giấy, ông/bà chọn nhận qua bưu chính.",
    ),
    (
        "ho-tich",
        "xa",
        "Đăng ký kết hôn trực tuyến có phải đến Ủy ban không?",
        "Hai chúng tôi muốn đăng ký kết hôn qua mạng, có phải đến trụ sở Ủy ban không?",
        "Ông/bà có thể nộp hồ sơ trực tuyến; khi trao giấy chứng nhận kết hôn, cả hai bên phải có mặt tại Ủy ban nhân dân cấp xã "
        "để ký vào sổ hộ tịch và giấy chứng nhận theo quy định của Luật Hộ tịch.",
    ),
    (
        "cu-tru",
        "cong-an",
        "Đăng ký thường trú cho con sau khi làm khai sinh",
        "Con tôi đã có giấy khai sinh, tôi có phải làm riêng thủ tục đăng ký thường trú không?",
        "Nếu ông/bà đã làm thủ tục liên thông khai sinh – thường trú – bảo hiểm y tế thì không phải làm riêng. Nếu chỉ đăng ký "
        "khai sinh, ông/bà nộp hồ sơ đăng ký thường trú cho trẻ trên Cổng dịch vụ công hoặc ứng dụng VNeID; Công an cấp xã giải "
        "quyết trong 7 ngày làm việc.",
    ),
    (
        "cu-tru",
        "cong-an",
        "Khai báo tạm trú cho người thuê trọ như thế nào?",
        "Tôi có phòng cho sinh viên thuê, phải khai báo tạm trú cho họ ra sao?",
        "Người thuê trọ đăng ký tạm trú trên ứng dụng VNeID hoặc Cổng dịch vụ công, kèm hợp đồng thuê hoặc văn bản đồng ý của chủ "
        "nhà. Chủ nhà xác nhận trên ứng dụng khi được hỏi. Thời hạn tạm trú tối đa 2 năm và được gia hạn.",
    ),
    (
        "dat-dai",
        "nnmt",
        "Thủ tục cấp Giấy chứng nhận quyền sử dụng đất lần đầu",
        "Gia đình tôi sử dụng đất ổn định từ năm 1995, chưa có sổ đỏ. Cần làm gì để được cấp?",
        "Ông/bà nộp đơn đăng ký, cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất kèm giấy tờ về nguồn "
        "gốc đất (nếu có) tại bộ phận một cửa cấp xã hoặc Văn phòng đăng ký đất đai. Đất sử dụng ổn định, không tranh chấp, phù "
        "hợp quy hoạch được xem xét cấp theo Luật Đất đai 2024. Thời hạn giải quyết không quá 20 ngày làm việc.",
    ),
    (
        "dat-dai",
        "nnmt",
        "Tách thửa đất cần điều kiện gì?",
        "Tôi muốn tách một phần thửa đất ở để tặng con. Diện tích tối thiểu được tách là bao nhiêu?",
        "Điều kiện tách thửa và diện tích tối thiểu do Ủy ban nhân dân tỉnh quy định theo từng khu vực, bảo đảm lối đi và phù hợp "
        "quy hoạch. Ông/bà liên hệ bộ phận một cửa cấp xã để được đo đạc, kiểm tra và hướng dẫn hồ sơ cụ thể.",
    ),
    (
        "dat-dai",
        "xa",
        "Chuyển mục đích sử dụng đất vườn sang đất ở",
        "Tôi có đất vườn liền kề đất ở, muốn chuyển sang đất ở để xây nhà thì làm thủ tục gì, nộp tiền bao nhiêu?",
        "Ông/bà nộp đơn xin chuyển mục đích sử dụng đất kèm Giấy chứng nhận tại bộ phận một cửa. Việc chuyển mục đích phải phù hợp "
        "kế hoạch sử dụng đất hằng năm cấp xã đã được duyệt. Tiền sử dụng đất tính theo bảng giá đất của tỉnh; cơ quan thuế thông "
        "báo số tiền sau khi có quyết định cho phép.",
    ),
    (
        "thue",
        "tai-chinh",
        "Hộ kinh doanh nộp thuế khoán như thế nào?",
        "Tôi mở quán tạp hóa nhỏ, doanh thu khoảng 300 triệu đồng một năm. Tôi phải nộp thuế gì?",
        "Hộ kinh doanh có doanh thu trên 100 triệu đồng/năm nộp thuế giá trị gia tăng và thuế thu nhập cá nhân theo tỷ lệ trên "
        "doanh thu (bán lẻ hàng hóa: 1% và 0,5%). Ông/bà kê khai với Thuế cơ sở quản lý địa bàn; từ năm 2026 hộ kinh doanh chuyển "
        "sang tự kê khai, có thể khai và nộp qua ứng dụng eTax Mobile.",
    ),
    (
        "thue",
        "tai-chinh",
        "Hộ kinh doanh có phải dùng hóa đơn điện tử không?",
        "Hộ kinh doanh ăn uống của tôi có bắt buộc dùng hóa đơn điện tử khởi tạo từ máy tính tiền không?",
        "Hộ kinh doanh nộp thuế theo phương pháp kê khai có doanh thu từ 1 tỷ đồng/năm trở lên trong các ngành bán lẻ, ăn uống, "
        "dịch vụ phục vụ trực tiếp người tiêu dùng phải sử dụng hóa đơn điện tử khởi tạo từ máy tính tiền. Hộ nhỏ hơn có thể đăng "
        "ký sử dụng để thuận tiện; cơ quan thuế hỗ trợ miễn phí trong giai đoạn đầu.",
    ),
    (
        "thue",
        "tai-chinh",
        "Tạm ngừng kinh doanh có phải nộp thuế không?",
        "Tôi nghỉ bán hàng 3 tháng để sửa nhà. Trong thời gian đó có phải nộp thuế khoán không?",
        "Ông/bà gửi thông báo tạm ngừng kinh doanh tới cơ quan thuế quản lý chậm nhất 1 ngày làm việc trước khi tạm ngừng. Trong "
        "thời gian tạm ngừng đã thông báo, hộ kinh doanh không phải nộp thuế theo tỷ lệ trên doanh thu của thời gian đó.",
    ),
    (
        "bhxh",
        "tai-chinh",
        "Tra cứu quá trình đóng bảo hiểm xã hội ở đâu?",
        "Tôi muốn xem mình đã đóng bảo hiểm xã hội bao nhiêu năm, tra cứu ở đâu?",
        "Ông/bà tra cứu trên ứng dụng VssID hoặc ứng dụng VNeID (mục Thông tin bảo hiểm) bằng tài khoản định danh điện tử mức 2. "
        "Nếu thấy thiếu thời gian đóng, ông/bà liên hệ cơ quan bảo hiểm xã hội nơi đang tham gia để được đối chiếu.",
    ),
    (
        "bhxh",
        "xa",
        "Gia hạn thẻ bảo hiểm y tế hộ gia đình qua mạng",
        "Thẻ bảo hiểm y tế của gia đình tôi sắp hết hạn. Có thể gia hạn trực tuyến không?",
        "Có. Ông/bà nộp tiền gia hạn trên Cổng dịch vụ công quốc gia hoặc ứng dụng VssID; người tham gia theo hộ gia đình được giảm "
        "mức đóng từ người thứ hai trở đi. Thông tin thẻ mới được cập nhật trên VNeID, có thể dùng thay thẻ giấy khi khám bệnh.",
    ),
    (
        "bhxh",
        "xa",
        "Trẻ em dưới 6 tuổi được cấp thẻ bảo hiểm y tế thế nào?",
        "Con tôi 2 tuổi chưa có thẻ bảo hiểm y tế. Thủ tục cấp ra sao?",
        "Trẻ em dưới 6 tuổi được ngân sách nhà nước đóng bảo hiểm y tế. Nếu chưa được cấp khi làm khai sinh, ông/bà liên hệ Ủy "
        "ban nhân dân cấp xã để lập danh sách đề nghị cấp thẻ; có thể dùng mã số bảo hiểm xã hội của trẻ trên VNeID để khám chữa "
        "bệnh trong thời gian chờ thẻ.",
    ),
    (
        "kinh-doanh",
        "hcc",
        "Đăng ký hộ kinh doanh trực tuyến cần gì?",
        "Tôi muốn đăng ký hộ kinh doanh bán quần áo tại nhà. Có nộp trực tuyến được không?",
        "Ông/bà nộp hồ sơ đăng ký hộ kinh doanh trực tuyến trên Cổng dịch vụ công, gồm giấy đề nghị đăng ký hộ kinh doanh và bản "
        "sao giấy tờ pháp lý của chủ hộ (nếu chưa có trong cơ sở dữ liệu dân cư). Thời hạn cấp giấy chứng nhận là 3 ngày làm việc.",
    ),
    (
        "kinh-doanh",
        "hcc",
        "Thay đổi địa chỉ trụ sở doanh nghiệp sang tỉnh khác",
        "Công ty tôi chuyển trụ sở sang tỉnh khác, có phải đăng ký lại từ đầu không?",
        "Không phải đăng ký lại. Doanh nghiệp nộp hồ sơ đăng ký thay đổi địa chỉ trụ sở chính tới cơ quan đăng ký kinh doanh nơi "
        "dự định đặt trụ sở mới qua Cổng thông tin quốc gia về đăng ký doanh nghiệp; mã số doanh nghiệp giữ nguyên.",
    ),
    (
        "xay-dung",
        "xa",
        "Xây nhà ở nông thôn có cần giấy phép xây dựng không?",
        "Tôi xây nhà 2 tầng ở thôn, không thuộc khu quy hoạch đô thị. Có phải xin giấy phép không?",
        "Nhà ở riêng lẻ ở nông thôn không thuộc khu vực có quy hoạch phân khu, quy hoạch chi tiết, quy hoạch xây dựng điểm dân cư "
        "nông thôn đã được phê duyệt thì được miễn giấy phép xây dựng. Ông/bà vẫn phải bảo đảm an toàn và không lấn chiếm đất công; "
        "nên hỏi Ủy ban nhân dân cấp xã về quy hoạch trước khi xây.",
    ),
    (
        "xay-dung",
        "xa",
        "Sửa chữa, cải tạo nhà có phải xin phép?",
        "Tôi muốn lát lại nền, thay mái tôn và sơn lại nhà. Có cần giấy phép không?",
        "Sửa chữa, cải tạo bên trong công trình hoặc phía ngoài không tiếp giáp đường trong đô thị, không làm thay đổi kết cấu chịu "
        "lực, công năng và kiến trúc thì được miễn giấy phép xây dựng. Thay mái và lát nền như ông/bà nêu thuộc trường hợp miễn.",
    ),
    (
        "chuyen-doi-so",
        "khcn",
        "Tổ công nghệ số cộng đồng hỗ trợ người dân những gì?",
        "Ở thôn tôi có tổ công nghệ số cộng đồng. Tổ giúp được những việc gì?",
        "Tổ công nghệ số cộng đồng hướng dẫn người dân cài đặt và dùng VNeID, dịch vụ công trực tuyến, thanh toán không dùng tiền "
        "mặt, nhận diện lừa đảo trên mạng. Ông/bà có thể đến nhà văn hóa thôn vào các buổi hỗ trợ hoặc liên hệ tổ trưởng.",
    ),
    (
        "chuyen-doi-so",
        "khcn",
        "Nhận cuộc gọi tự xưng công an yêu cầu cài ứng dụng thì làm gì?",
        "Tôi nhận cuộc gọi tự xưng công an, yêu cầu cài ứng dụng để cập nhật định danh. Có đúng không?",
        "Đây là thủ đoạn lừa đảo. Cơ quan công an không gọi điện yêu cầu cài ứng dụng hay cung cấp mã OTP. Ông/bà không làm theo, "
        "không bấm vào đường link lạ và báo ngay cho Công an cấp xã hoặc qua tính năng Tố giác tội phạm trên VNeID.",
    ),
    (
        "dich-vu-cong",
        "tinh",
        "Phản ánh thái độ cán bộ khi giải quyết hồ sơ gửi ở đâu?",
        "Tôi muốn góp ý về cách tiếp dân của bộ phận một cửa thì gửi ý kiến ở đâu?",
        "Ông/bà đánh giá mức độ hài lòng ngay sau khi nhận kết quả trên Cổng dịch vụ công, hoặc gửi phản ánh, kiến nghị qua mục "
        "Phản ánh hiện trường của cổng. Ý kiến được chuyển đến thủ trưởng cơ quan và được trả lời công khai.",
    ),
    (
        "dich-vu-cong",
        "vhttdl",
        "Xin giấy phép tổ chức lễ hội có nộp trực tuyến được không?",
        "Thôn tôi muốn tổ chức lễ hội truyền thống đầu xuân. Thủ tục đăng ký có làm qua mạng được không?",
        "Được. Ban tổ chức nộp hồ sơ đăng ký tổ chức lễ hội trên Cổng dịch vụ công trực tuyến chậm nhất 20 ngày làm việc trước "
        "ngày tổ chức, gồm văn bản đăng ký, kế hoạch và chương trình lễ hội.",
    ),
    (
        "ho-tich",
        "tu-phap",
        "Cấp phiếu lý lịch tư pháp qua VNeID như thế nào?",
        "Tôi cần phiếu lý lịch tư pháp để xin việc. Có làm trên VNeID được không?",
        "Được. Trên ứng dụng VNeID, ông/bà chọn Thủ tục hành chính → Cấp phiếu lý lịch tư pháp, điền thông tin, chọn hình thức nhận "
        "(bản điện tử hoặc bưu chính) và nộp lệ phí. Phiếu được cấp trong 10 ngày; bản điện tử có giá trị như bản giấy.",
    ),
    (
        "dat-dai",
        "nnmt",
        "Tra cứu quy hoạch sử dụng đất ở đâu?",
        "Tôi muốn mua đất, làm sao biết thửa đất đó có nằm trong quy hoạch không?",
        "Ông/bà tra cứu bản đồ quy hoạch, kế hoạch sử dụng đất trên cổng thông tin của tỉnh hoặc đề nghị cung cấp thông tin thửa đất "
        "tại Văn phòng đăng ký đất đai. Khi mua bán nên yêu cầu bên bán cung cấp Giấy chứng nhận và kiểm tra tình trạng thế chấp.",
    ),
]

# Questions still being handled, one per state (the state is walked through the services).
PENDING = [
    (
        "submitted",
        "dich-vu-cong",
        None,
        "Hỏi về thời gian trả kết quả khi nộp hồ sơ buổi chiều",
        "Tôi nộp hồ sơ lúc 16 giờ thì thời hạn được tính từ ngày hôm đó hay ngày hôm sau?",
    ),
    (
        "assigned",
        "ho-tich",
        "xa",
        "Thay đổi họ cho con sau khi cha mẹ ly hôn",
        "Tôi đã ly hôn và nuôi con. Tôi muốn đổi họ của con theo họ mẹ thì cần những gì?",
    ),
    (
        "forwarded",
        "dat-dai",
        "xa",
        "Thửa đất bị cấp trùng sổ với nhà bên cạnh",
        "Giấy chứng nhận của tôi và nhà bên cạnh cùng thể hiện một phần đất chung. Tôi cần làm gì?",
    ),
    (
        "drafting",
        "thue",
        "tai-chinh",
        "Hộ kinh doanh online trên mạng xã hội có phải nộp thuế?",
        "Tôi bán hàng qua mạng xã hội, doanh thu không ổn định. Tôi có phải đăng ký và nộp thuế không?",
    ),
    (
        "in_review",
        "bhxh",
        "xa",
        "Đóng bảo hiểm xã hội tự nguyện được hỗ trợ bao nhiêu?",
        "Tôi là nông dân muốn đóng bảo hiểm xã hội tự nguyện. Nhà nước hỗ trợ mức đóng thế nào?",
    ),
    (
        "answered",
        "cu-tru",
        "cong-an",
        "Xác nhận thông tin cư trú cho hồ sơ vay vốn",
        "Ngân hàng yêu cầu giấy xác nhận thông tin cư trú. Tôi xin ở đâu và mất bao lâu?",
    ),
    (
        "rejected",
        None,
        None,
        "Quảng cáo dịch vụ làm sổ đỏ nhanh",
        "Nhận làm sổ đỏ nhanh, bao trọn gói, liên hệ số điện thoại trong hồ sơ.",
    ),
]

# A published question that three users reported: hidden pending moderation.
HIDDEN = (
    "dich-vu-cong",
    "hcc",
    "Vì sao cổng dịch vụ công hay bị chậm vào cuối tháng?",
    "Cuối tháng tôi vào cổng rất chậm, có phải do nhiều người nộp hồ sơ cùng lúc không?",
    "Cuối tháng lượng truy cập tăng cao; tỉnh đã nâng cấp hạ tầng và khuyến nghị người dân nộp sớm.",
)
